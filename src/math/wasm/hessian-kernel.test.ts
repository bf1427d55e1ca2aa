import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hessianKernelFor, type CompressedRows } from './hessian-kernel.ts';
import { Rng } from '../../random.ts';

/** Random rows of `stride` columns, about a third of them set, the last (a bias) always. */
function randomRows(count: number, stride: number, rng: Rng): CompressedRows {
  const start = new Uint32Array(count + 1);
  const columns: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    start[i] = columns.length;
    for (let j = 0; j < stride; j++) {
      if (j === stride - 1 || rng.uniform() < 0.35) {
        columns.push(j);
        values.push(j === stride - 1 ? 1 : rng.uniform() * 4 - 2);
      }
    }
  }
  start[count] = columns.length;
  return { start, columns: Uint32Array.from(columns), values: Float64Array.from(values) };
}

/** The loop the kernel replaced (newton-logistic.ts before it), in its order: the reference bits. */
function referenceHessian(rows: CompressedRows, blocks: number, stride: number, weightOf: (i: number, c: number, d: number) => number): Float64Array {
  const size = blocks * stride;
  const hessian = new Float64Array(size * size);
  const { start, columns, values } = rows;
  for (let i = 0; i + 1 < start.length; i++) {
    const from = start[i];
    const to = start[i + 1];
    for (let c = 0; c < blocks; c++) {
      for (let d = 0; d <= c; d++) {
        const weight = weightOf(i, c, d);
        if (weight === 0) continue;
        for (let k = from; k < to; k++) {
          const row = (c * stride + columns[k]) * size + d * stride;
          const va = weight * values[k];
          const last = c === d ? k : to - 1;
          for (let l = from; l <= last; l++) hessian[row + columns[l]] += va * values[l];
        }
      }
    }
  }
  return hessian;
}

const bytes = (array: Float64Array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

for (const [name, count, blocks, stride] of [
  ['binary, one block', 300, 1, 9],
  ['softmax, 5 blocks', 200, 5, 7],
  // 40 blocks: 820 weights a row, so 3,000 rows take three chunks.
  ['softmax, 40 blocks over several chunks', 3000, 40, 4],
] as const) {
  test(`Hessian kernel (${name}): the same bits as the JavaScript loop, zero weights skipped`, () => {
    const rng = new Rng(11);
    const rows = randomRows(count, stride, rng);
    const triangle = (blocks * (blocks + 1)) / 2;
    const weightTable = Float64Array.from({ length: count * triangle }, () => (rng.uniform() < 0.1 ? 0 : rng.uniform() - 0.3));
    const weightOf = (i: number, c: number, d: number) => weightTable[i * triangle + (c * (c + 1)) / 2 + d];
    // The rows written into the kernel's memory, as Newton's method writes them.
    const kernel = hessianKernelFor(count, rows.columns.length, blocks, stride);
    kernel.rows.start.set(rows.start);
    kernel.rows.columns.set(rows.columns);
    kernel.rows.values.set(rows.values);
    if (name.includes('chunks')) assert.ok(kernel.chunkRows < count / 2, `chunks of ${kernel.chunkRows} rows`);
    kernel.hessian.fill(0);
    for (let first = 0; first < count; first += kernel.chunkRows) {
      const end = Math.min(count, first + kernel.chunkRows);
      kernel.weights.set(weightTable.subarray(first * triangle, end * triangle));
      kernel.accumulate(first, end);
    }
    const expected = referenceHessian(rows, blocks, stride, weightOf);
    assert.ok(expected.some((h) => h !== 0));
    assert.ok(bytes(kernel.hessian).equals(bytes(expected)), 'Hessians differ');
    assert.throws(() => kernel.accumulate(0, kernel.chunkRows + 1), { code: 'internal' });
  });
}

for (const [name, count, blocks, stride] of [
  ['binary, one block', 300, 1, 9],
  ['softmax, 40 blocks over several chunks', 3000, 40, 4],
] as const) {
  test(`Hessian kernel (${name}): the rows' scores at θ and the residuals' gradient are the JavaScript loops' bits`, () => {
    const rng = new Rng(12);
    const rows = randomRows(count, stride, rng);
    const size = blocks * stride;
    const theta = Float64Array.from({ length: size }, () => rng.uniform() * 6 - 3);
    theta[1] = -0; // a −0 weight: its products are signed zeros, as in the loop
    const residualOf = (i: number, c: number) => Math.sin(i * 7 + c) * (c % 3 === 0 ? 1e-300 : 1);
    // The loops the kernel replaced (newton-logistic.ts before it), in their order.
    const expectedScores = new Float64Array(count * blocks);
    const expectedGradient = new Float64Array(size);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < blocks; c++) {
        let z = 0;
        for (let k = rows.start[i]; k < rows.start[i + 1]; k++) z += theta[c * stride + rows.columns[k]] * rows.values[k];
        expectedScores[i * blocks + c] = z;
        for (let k = rows.start[i]; k < rows.start[i + 1]; k++) expectedGradient[c * stride + rows.columns[k]] += residualOf(i, c) * rows.values[k];
      }
    }
    const kernel = hessianKernelFor(count, rows.columns.length, blocks, stride);
    kernel.rows.start.set(rows.start);
    kernel.rows.columns.set(rows.columns);
    kernel.rows.values.set(rows.values);
    kernel.theta.set(theta);
    kernel.gradient.fill(0);
    const scores = new Float64Array(count * blocks);
    for (let first = 0; first < count; first += kernel.chunkRows) {
      const end = Math.min(count, first + kernel.chunkRows);
      kernel.score(first, end);
      scores.set(kernel.scores.subarray(0, (end - first) * blocks), first * blocks);
      for (let i = first; i < end; i++) for (let c = 0; c < blocks; c++) kernel.scores[(i - first) * blocks + c] = residualOf(i, c);
      kernel.scatter(first, end);
    }
    assert.ok(bytes(scores).equals(bytes(expectedScores)), 'scores differ');
    assert.ok(bytes(kernel.gradient).equals(bytes(expectedGradient)), 'gradients differ');
    assert.ok(expectedGradient.some((g) => g !== 0));
    assert.throws(() => kernel.score(0, kernel.chunkRows + 1), { code: 'internal' });
    assert.throws(() => kernel.scatter(0, kernel.chunkRows + 1), { code: 'internal' });
  });
}
