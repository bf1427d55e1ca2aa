import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.ts';
import { pgdStepKernel } from './pgd-step-kernel.ts';
import { addInBox } from '../../attacks/evasion/gradient-problem.ts';

/** v clipped to [lo, hi] as the kernel clips (v < lo ? lo : v, then hi < v ? hi : v: tfjs's max and min, not IEEE's). */
const clip = (v: number, lo: number, hi: number) => {
  const above = v < lo ? lo : v;
  return hi < above ? hi : above;
};

/** A kernel of `rows` × `cols` with the box of `lower(j)`, `upper(j)` set. */
function boxedKernel(rows: number, cols: number, lower: (j: number) => number, upper: (j: number) => number) {
  const kernel = pgdStepKernel(rows, cols);
  const box = { lower: Float32Array.from({ length: cols }, (_, j) => lower(j)), upper: Float32Array.from({ length: cols }, (_, j) => upper(j)) };
  kernel.lower.set(box.lower);
  kernel.upper.set(box.upper);
  return { kernel, ...box };
}

test('PGD L∞ step kernel: the float32 step of every value, bit for bit, a tail of columns past the last four included; swap exchanges the iterates', () => {
  const [rows, cols] = [7, 11];
  const rng = new Rng(9);
  const { kernel, lower, upper } = boxedKernel(rows, cols, (j) => (j % 3 === 0 ? 0 : -0.2), (j) => (j % 4 === 0 ? 0.5 : 1));
  for (let k = 0; k < rows * cols; k++) {
    kernel.input[k] = rng.uniform();
    kernel.current[k] = kernel.input[k] + rng.between(-0.4, 0.4);
    kernel.gradient[k] = k % 5 === 0 ? 0 : rng.normal();
  }
  const [step, epsilon] = [Math.fround(0.1), Math.fround(0.3)];
  const expected = new Float32Array(rows * cols);
  for (let k = 0; k < rows * cols; k++) {
    const j = k % cols;
    const g = kernel.gradient[k];
    const moved = Math.fround(kernel.current[k] + (g > 0 ? step : g < 0 ? -step : 0));
    const delta = clip(Math.fround(moved - kernel.input[k]), -epsilon, epsilon);
    expected[k] = clip(Math.fround(kernel.input[k] + delta), lower[j], upper[j]);
  }
  const before = Float32Array.from(kernel.current);
  kernel.stepInfinity(step, epsilon);
  assert.deepEqual(Array.from(kernel.next), Array.from(expected));
  assert.ok(expected.some((value, k) => value === upper[k % cols]) && expected.some((value, k) => value === lower[k % cols]), 'both sides of the box clip some value');
  kernel.swap();
  assert.deepEqual(Array.from(kernel.current), Array.from(expected));
  assert.deepEqual(Array.from(kernel.next), Array.from(before));
});

test('FGSM step kernel: clip(x + ε·sign(g)) per value in float32 over the rows, bit for bit, zero gradients staying put; a released kernel is reused once, by its own size only', () => {
  const [rows, cols] = [5, 13];
  const rng = new Rng(11);
  const { kernel, lower, upper } = boxedKernel(rows, cols, (j) => (j % 2 === 0 ? 0 : -1), (j) => (j % 5 === 0 ? 0.6 : 1));
  for (let k = 0; k < rows * cols; k++) {
    kernel.input[k] = rng.uniform();
    kernel.gradient[k] = k % 4 === 0 ? 0 : rng.normal();
  }
  const epsilon = Math.fround(0.3);
  const expected = new Float32Array(rows * cols);
  for (let k = 0; k < rows * cols; k++) {
    const j = k % cols;
    const g = kernel.gradient[k];
    const moved = Math.fround(kernel.input[k] + (g > 0 ? epsilon : g < 0 ? -epsilon : 0));
    expected[k] = clip(moved, lower[j], upper[j]);
  }
  const before = Float32Array.from(kernel.input);
  kernel.stepSign(epsilon);
  assert.deepEqual(Array.from(kernel.input), Array.from(expected), 'written over the rows');
  assert.ok(kernel.next.every((value) => value === 0), "the next iterate's room untouched");
  assert.ok(expected.some((value, k) => value === upper[k % cols] && before[k] + epsilon > upper[k % cols]), 'the box clips some value');
  assert.ok(expected.some((value, k) => k % 4 === 0 && value === before[k]), 'a zero gradient leaves its value');

  kernel.release();
  kernel.release(); // twice: shelved once
  const again = pgdStepKernel(rows, cols);
  assert.equal(again, kernel, 'the released kernel is taken again');
  assert.notEqual(pgdStepKernel(rows, cols), kernel, 'and only once');
  assert.notEqual(pgdStepKernel(rows + 1, cols), kernel, 'not by another size');
});

test("PGD's L∞ random start in the kernel: the values rng.uniform() and addInBox give in JavaScript, bit for bit, and the stream left where they leave it", () => {
  const [rows, cols] = [7, 11];
  const rng = new Rng(12);
  const { kernel, lower, upper } = boxedKernel(rows, cols, (j) => (j % 3 === 0 ? 0.1 : 0), (j) => (j % 4 === 0 ? 0.6 : 1));
  for (let k = 0; k < rows * cols; k++) kernel.input[k] = rng.uniform();
  const epsilon = 0.3;
  const drawing = new Rng(77);
  const reference = new Rng(77);
  // A cached normal draw stays cached across the kernel's draws.
  assert.equal(drawing.normal(), reference.normal());
  const offsets = Float32Array.from({ length: rows * cols }, () => (2 * reference.uniform() - 1) * epsilon);
  const expected = new Float32Array(rows * cols);
  addInBox(kernel.input, offsets, { lower, upper }, expected);
  kernel.startInfinity(drawing, epsilon);
  assert.deepEqual(Array.from(kernel.current), Array.from(expected));
  assert.ok(expected.some((value, k) => value === upper[k % cols]) && expected.some((value, k) => value === lower[k % cols]), 'both sides of the box clip some value');
  assert.equal(drawing.normal(), reference.normal(), 'the cached normal');
  for (let k = 0; k < 5; k++) assert.equal(drawing.uniform(), reference.uniform(), 'the stream goes on where JavaScript leaves it');
  kernel.release();
});

test('setInput rounds float64 rows to float32 as a Float32Array stores them (ties, subnormals, overflow, ±0), any length', () => {
  const rng = new Rng(12);
  for (const [rows, cols] of [[1, 1], [1, 3], [2, 5], [7, 784]]) {
    const values = Float64Array.from({ length: rows * cols }, (_, k) => {
      const specials = [0, -0, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 2 ** -140, -(2 ** -149) * 0.75, 3.5e38, -1e39, Math.PI];
      return k < specials.length ? specials[k] : (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 12 - 6);
    });
    for (const swaps of [0, 1]) {
      // After a swap too (a kernel back from the shelf after an odd number of steps), the rows
      // land in their own room and the box, set before them, stays as it was.
      const kernel = pgdStepKernel(rows, cols);
      try {
        for (let k = 0; k < swaps; k++) kernel.swap();
        kernel.lower.fill(-7);
        kernel.upper.fill(9);
        kernel.setInput(values);
        const expected = Float32Array.from(values);
        assert.deepEqual(new Uint32Array(kernel.input.buffer, kernel.input.byteOffset, kernel.input.length), new Uint32Array(expected.buffer));
        assert.ok(kernel.lower.every((v) => v === -7) && kernel.upper.every((v) => v === 9), `${rows} × ${cols}, ${swaps} swap(s): the box untouched`);
      } finally {
        kernel.release();
      }
    }
  }
  const kernel = pgdStepKernel(2, 2);
  assert.throws(() => kernel.setInput(new Float64Array(3)), /3 values/);
  kernel.release();
});
