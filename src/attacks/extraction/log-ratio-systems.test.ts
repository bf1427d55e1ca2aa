/**
 * Equation solving's log-ratio systems (equation-solving.ts `logRatioSystems`): the normal matrix a
 * block of its rows at a time, in WebAssembly from 64 columns, shared by the classes answered on the
 * same rows — the sums of the row-at-a-time loop, bit for bit, signed zeros included.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMatrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { logRatioNormalEquationsLoop, logRatioSystems } from './equation-solving.ts';

function sameBits(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: entry ${i} is ${a[i]}, the loop's ${b[i]}`);
}

test('the log-ratio systems are the row-at-a-time loop\'s, bit for bit: dense, one-hot with negative values, saturated answers, in the loop and in WebAssembly', () => {
  const rng = new Rng(17);
  for (const [n, d, classes, kind] of [[300, 7, 3, 'dense'], [500, 80, 4, 'dense'], [400, 65, 3, 'one-hot'], [200, 12, 5, 'one-hot'], [250, 130, 2, 'one-hot']] as const) {
    const design = createMatrix(n, d, Float64Array.from({ length: n * d }, (_, k) => (kind === 'dense' ? Math.exp(-3 * rng.uniform()) : rng.uniform() < 0.7 ? (k % 3 === 0 ? -0 : 0) : rng.uniform() < 0.5 ? -1 - rng.uniform() : 1)));
    // Class 2 saturates (0) on a tenth of the rows, so its rows differ from the others'.
    const observed = createMatrix(n, classes, Float64Array.from({ length: n * classes }, (_, k) => (k % classes === 2 && rng.uniform() < 0.1 ? 0 : 0.01 + rng.uniform())));
    const systems = logRatioSystems(design, observed);
    for (let c = 1; c < classes; c++) {
      const loop = logRatioNormalEquationsLoop(design, observed, c);
      const what = `${kind} ${n} × ${d}, class ${c}`;
      sameBits(systems[c].normal.data, loop.normal.data, `${what}: normal`);
      sameBits(systems[c].right, loop.right, `${what}: right`);
      assert.equal(systems[c].equations, loop.equations, what);
    }
    if (classes > 2) assert.ok(systems[1].normal.data !== systems[classes - 1].normal.data, 'each class its own copy');
  }
});
