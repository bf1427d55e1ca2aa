import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHOLESKY_KERNEL_FROM, choleskySolve, choleskySolveLoop } from '../linalg.ts';
import { createMatrix, type Matrix } from '../matrix.ts';
import { Rng } from '../../random.ts';
import { choleskyKernelSolve } from './cholesky-kernel.ts';

/** A random symmetric positive-definite n × n matrix (a Gram matrix plus `ridge` on the diagonal) and a right-hand side. */
function system(n: number, rng: Rng, ridge: number): { a: Matrix; b: Float64Array } {
  const r = Float64Array.from({ length: n * (n + 2) }, () => rng.normal());
  const a = createMatrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = i === j ? ridge : 0;
      for (let k = 0; k < n + 2; k++) sum += r[i * (n + 2) + k] * r[j * (n + 2) + k];
      a.data[i * n + j] = sum;
      a.data[j * n + i] = sum;
    }
  }
  return { a, b: Float64Array.from({ length: n }, () => rng.normal()) };
}

test('the WebAssembly Cholesky solve gives the JavaScript loop’s bits: every size to 40 (eights, pairs, a last row), 109 and 131 unknowns, near-singular systems', () => {
  const rng = new Rng(11);
  for (const n of [...Array.from({ length: 40 }, (_, k) => k + 1), 109, 131]) {
    for (const ridge of [n, 1e-6]) {
      const { a, b } = system(n, rng, ridge);
      const loop = choleskySolveLoop(a, b);
      const kernel = choleskyKernelSolve(a.data, b, n);
      assert.ok(kernel instanceof Float64Array, `n = ${n}: positive definite`);
      assert.deepEqual(kernel, loop, `n = ${n}, ridge ${ridge}`);
      if (n >= CHOLESKY_KERNEL_FROM) assert.deepEqual(choleskySolve(a, b), loop);
    }
  }
});

test('a matrix that is not positive definite: the kernel names the column, and choleskySolve gives the loop’s error', () => {
  const n = 24;
  const { a, b } = system(n, new Rng(5), 1);
  // Row and column 17 a copy of 9's: singular from column 17.
  for (let k = 0; k < n; k++) {
    a.data[17 * n + k] = a.data[9 * n + k];
    a.data[k * n + 17] = a.data[k * n + 9];
  }
  a.data[17 * n + 17] = a.data[9 * n + 9];
  assert.deepEqual(choleskyKernelSolve(a.data, b, n), { notPositiveAt: 17 });
  assert.throws(() => choleskySolveLoop(a, b), /normal equations are singular/);
  assert.throws(() => choleskySolve(a, b), /normal equations are singular/);
});
