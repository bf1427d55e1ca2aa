import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.ts';
import { pgdStepKernel } from './pgd-step-kernel.ts';

test('PGD L∞ step kernel: the float32 step of every value, bit for bit, a tail of columns past the last four included; swap exchanges the iterates', () => {
  const [rows, cols] = [7, 11];
  const rng = new Rng(9);
  const kernel = pgdStepKernel(rows, cols);
  const lower = Float32Array.from({ length: cols }, (_, j) => (j % 3 === 0 ? 0 : -0.2));
  const upper = Float32Array.from({ length: cols }, (_, j) => (j % 4 === 0 ? 0.5 : 1));
  kernel.lower.set(lower);
  kernel.upper.set(upper);
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
    const delta = Math.min(Math.max(Math.fround(moved - kernel.input[k]), -epsilon), epsilon);
    expected[k] = Math.min(Math.max(Math.fround(kernel.input[k] + delta), lower[j]), upper[j]);
  }
  const before = Float32Array.from(kernel.current);
  kernel.stepInfinity(step, epsilon);
  assert.deepEqual(Array.from(kernel.next), Array.from(expected));
  assert.ok(expected.some((value, k) => value === upper[k % cols]) && expected.some((value, k) => value === lower[k % cols]), 'both sides of the box clip some value');
  kernel.swap();
  assert.deepEqual(Array.from(kernel.current), Array.from(expected));
  assert.deepEqual(Array.from(kernel.next), Array.from(before));
});
