import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { choleskySolve } from './linalg.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { Rng } from '../random.ts';

/** The textbook Cholesky solve, one row's sum at a time: the reference for the bits. */
function referenceSolve(a: Matrix, b: Float64Array): Float64Array {
  const n = a.rows;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a.data[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k] * l[j * n + k];
    const root = Math.sqrt(diagonal);
    l[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let sum = a.data[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / root;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** G Gᵀ + n·I for a random G: symmetric positive definite. */
function spd(n: number, rng: Rng): Matrix {
  const g = Float64Array.from({ length: n * n }, () => rng.normal());
  const m = createMatrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = i === j ? n : 0;
      for (let k = 0; k < n; k++) sum += g[i * n + k] * g[j * n + k];
      m.data[i * n + j] = sum;
    }
  }
  return m;
}

test('choleskySolve (four rows a column at a time) gives the bits of the one-row-at-a-time factorisation, and solves the system', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 0xffffffff }), (n, seed) => {
      const rng = new Rng(seed);
      const a = spd(n, rng);
      const b = Float64Array.from({ length: n }, () => rng.normal());
      const x = choleskySolve(a, b);
      const want = referenceSolve(a, b);
      for (let i = 0; i < n; i++) assert.ok(Object.is(x[i], want[i]), `n ${n}: x${i} ${x[i]} vs ${want[i]}`);
      for (let i = 0; i < n; i++) {
        let ax = 0;
        for (let k = 0; k < n; k++) ax += a.data[i * n + k] * x[k];
        assert.ok(Math.abs(ax - b[i]) < 1e-9 * (1 + Math.abs(b[i])), `residual of row ${i}`);
      }
    }),
    { numRuns: 60, seed: 5 },
  );
  const rng = new Rng(109);
  const a = spd(109, rng);
  const b = Float64Array.from({ length: 109 }, () => rng.normal());
  assert.deepEqual(choleskySolve(a, b), referenceSolve(a, b));
});

test('choleskySolve names the fix for a singular system', () => {
  const a = createMatrix(2, 2, Float64Array.of(1, 1, 1, 1));
  assert.throws(() => choleskySolve(a, Float64Array.of(1, 2)), /singular.*ridge penalty/);
});
