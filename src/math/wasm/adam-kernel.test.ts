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

test('Adam kernel: a kernel made on the memory of a released one starts from zeros and steps bit for bit as a fresh one; the released one refuses to step', () => {
  const run = (kernel: AdamKernel) => {
    kernel.values(0).set(Float32Array.of(0.5, -0.25, 1e-3));
    kernel.values(1).set(Float32Array.of(2, -3));
    for (let step = 0; step < 20; step++) {
      kernel.gradient(0).set(Float32Array.from({ length: 3 }, (_, i) => Math.sin(step + i)));
      kernel.gradient(1).set(Float32Array.from({ length: 2 }, (_, i) => Math.cos(step * i)));
      kernel.step();
    }
    return [...kernel.values(0), ...kernel.values(1), ...kernel.firstMoment(0), ...kernel.firstMoment(1)];
  };
  const used = new AdamKernel([3, 2, 1000], 0.01);
  const first = run(used);
  const memory = used.values(0).buffer;
  used.release();
  const reused = new AdamKernel([3, 2], 0.01);
  assert.equal(reused.values(0).buffer, memory, 'the released memory is taken again');
  assert.notEqual(new AdamKernel([3, 2], 0.01).values(0).buffer, memory, 'by one kernel at a time');
  assert.deepEqual([...reused.values(0), ...reused.firstMoment(0), ...reused.gradient(1)], [0, 0, 0, 0, 0, 0, 0, 0], 'zeros where the new kernel lays its tensors');
  assert.deepEqual(run(reused), first);
  assert.throws(() => used.step(), (error: Error & { code?: string }) => error.code === 'internal' && /after it was released/.test(error.message));
});
