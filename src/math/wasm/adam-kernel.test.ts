import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdamKernel } from './adam-kernel.ts';

test('Adam kernel: flushing turns moments that decay below the smallest normal float32 into zero, and the values step bit for bit as without it', () => {
  const [plain, flushed] = [new AdamKernel([6], 0.01), new AdamKernel([6], 0.01, undefined, true)];
  const start = Float32Array.of(0.5, -0.25, 1e-3, 2, -3, 0.125);
  for (const kernel of [plain, flushed]) kernel.values(0).set(start);
  // Six values with gradients for ten steps, then two of them (a dead unit) get none for 1,000 steps.
  for (let step = 0; step < 1010; step++) {
    const gradient = Float32Array.from({ length: 6 }, (_, i) => (step < 10 || i >= 2 ? Math.sin(step + i) * 0.1 : 0));
    for (const kernel of [plain, flushed]) {
      kernel.gradient(0).set(gradient);
      kernel.step();
    }
  }
  assert.deepEqual(Array.from(flushed.values(0)), Array.from(plain.values(0)));
  const moment = (kernel: AdamKernel) => kernel.firstMoment(0).subarray(0, 2);
  const subnormal = (x: number) => x !== 0 && Math.abs(x) < 2 ** -126;
  assert.ok(Array.from(moment(plain)).some(subnormal), `without flushing the dead unit's moments are subnormal: ${Array.from(moment(plain))}`);
  assert.deepEqual(Array.from(moment(flushed)), [0, 0]);
});
