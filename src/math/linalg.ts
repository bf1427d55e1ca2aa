/**
 * Small exact float64 linear algebra on flat row-major arrays: products, Gram matrices, a
 * Cholesky solver, and the symmetric eigendecomposition (through ml-matrix). Dense solves cost
 * about 0.7 GFLOP/s here, so callers keep systems to a few thousand unknowns.
 */

import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { ThreatlabError } from '../errors.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { choleskyKernelSolve } from './wasm/cholesky-kernel.ts';

/** A × Bᵀ for row-major A (n × d) and B (m × d): dot products of rows. */
export function multiplyTransposed(a: Matrix, b: Matrix): Matrix {
  const out = createMatrix(a.rows, b.rows);
  const d = a.cols;
  for (let i = 0; i < a.rows; i++) {
    const ai = i * d;
    for (let j = 0; j < b.rows; j++) {
      const bj = j * d;
      let sum = 0;
      for (let k = 0; k < d; k++) sum += a.data[ai + k] * b.data[bj + k];
      out.data[i * b.rows + j] = sum;
    }
  }
  return out;
}

/** A × B for row-major A (n × k) and B (k × m). */
export function multiply(a: Matrix, b: Matrix): Matrix {
  const out = createMatrix(a.rows, b.cols);
  const m = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const row = out.data.subarray(i * m, (i + 1) * m);
    for (let k = 0; k < a.cols; k++) {
      const factor = a.data[i * a.cols + k];
      if (factor === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) row[j] += factor * b.data[bk + j];
    }
  }
  return out;
}

/** Aᵀ for a row-major matrix. */
export function transpose(a: Matrix): Matrix {
  const out = createMatrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

/** The Gram matrix X Xᵀ (symmetric; each entry computed once). */
export function gram(x: Matrix): Matrix {
  const n = x.rows;
  const d = x.cols;
  const out = createMatrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += x.data[i * d + k] * x.data[j * d + k];
      out.data[i * n + j] = sum;
      out.data[j * n + i] = sum;
    }
  }
  return out;
}

/** Eigenvalues (descending) and eigenvectors (columns) of a symmetric matrix. */
export function symmetricEigen(a: Matrix): { values: Float64Array; vectors: Matrix } {
  const rows: number[][] = [];
  for (let i = 0; i < a.rows; i++) rows.push(Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
  const evd = new EigenvalueDecomposition(new MlMatrix(rows), { assumeSymmetric: true });
  const raw = evd.realEigenvalues;
  const order = raw.map((_, i) => i).sort((p, q) => raw[q] - raw[p]);
  const vectors = createMatrix(a.rows, a.rows);
  const ev = evd.eigenvectorMatrix;
  for (let i = 0; i < a.rows; i++) for (let c = 0; c < order.length; c++) vectors.data[i * a.rows + c] = ev.get(i, order[c]);
  return { values: Float64Array.from(order, (i) => raw[i]), vectors };
}

/** Factors up to this many values (8 MB) are written into one buffer kept for the next. */
const KEPT_FACTOR_VALUES = 1 << 20;
let keptFactor = new Float64Array(0);

/**
 * Room for a factor of `values` numbers: the kept buffer when it fits (a Newton fit factors its
 * Hessian at every step — a 109-unknown one 95 KB each time, most of what a property shadow's
 * fit allocated), else a new one. Its contents are stale: the factorisation writes every entry it
 * reads before reading it.
 */
function factorSpace(values: number): Float64Array {
  if (values > KEPT_FACTOR_VALUES) return new Float64Array(values);
  if (keptFactor.length < values) keptFactor = new Float64Array(Math.min(KEPT_FACTOR_VALUES, Math.max(values, 2 * keptFactor.length)));
  return keptFactor.subarray(0, values);
}

/**
 * Column j of the Cholesky factor below its diagonal: l[i][j] = (a[i][j] − Σ_{k<j} l[i][k] l[j][k]) / root.
 * Four rows at a time, each sum still subtracting its products in k order (the same bits as one
 * row at a time): a single running sum waits on its previous subtraction at every k, four
 * independent ones keep the multipliers busy (a 109-unknown solve 0.72 → 0.50 ms, 400 unknowns 12.4 → 7.9).
 */
function choleskyColumn(data: Float64Array, l: Float64Array, n: number, j: number, root: number): void {
  const lj = j * n;
  let i = j + 1;
  for (; i + 3 < n; i += 4) {
    const [r0, r1, r2, r3] = [i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n];
    let s0 = data[r0 + j];
    let s1 = data[r1 + j];
    let s2 = data[r2 + j];
    let s3 = data[r3 + j];
    for (let k = 0; k < j; k++) {
      const v = l[lj + k];
      s0 -= l[r0 + k] * v;
      s1 -= l[r1 + k] * v;
      s2 -= l[r2 + k] * v;
      s3 -= l[r3 + k] * v;
    }
    l[r0 + j] = s0 / root;
    l[r1 + j] = s1 / root;
    l[r2 + j] = s2 / root;
    l[r3 + j] = s3 / root;
  }
  for (; i < n; i++) {
    let sum = data[i * n + j];
    for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[lj + k];
    l[i * n + j] = sum / root;
  }
}

/** Systems from this many unknowns are solved in WebAssembly (the same bits; below it the copy in and out costs more than it saves). */
export const CHOLESKY_KERNEL_FROM = 16;

function notPositiveDefinite(): ThreatlabError {
  return new ThreatlabError('validation', 'the normal equations are singular (collinear or constant features); add a ridge penalty (l2 > 0)');
}

/** Solves A x = b for symmetric positive-definite A (Cholesky; A's lower triangle read); A and b are not modified. */
export function choleskySolve(a: Matrix, b: Float64Array): Float64Array {
  if (a.rows < CHOLESKY_KERNEL_FROM) return choleskySolveLoop(a, b);
  const solved = choleskyKernelSolve(a.data, b, a.rows);
  if (!(solved instanceof Float64Array)) throw notPositiveDefinite();
  return solved;
}

/** `choleskySolve` in JavaScript: small systems, and what the WebAssembly kernel is tested against. */
export function choleskySolveLoop(a: Matrix, b: Float64Array): Float64Array {
  const n = a.rows;
  const l = factorSpace(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a.data[j * n + j];
    for (let k = 0; k < j; k++) diagonal -= l[j * n + k] * l[j * n + k];
    if (!(diagonal > 1e-12 * Math.abs(a.data[j * n + j]))) throw notPositiveDefinite();
    const root = Math.sqrt(diagonal);
    l[j * n + j] = root;
    choleskyColumn(a.data, l, n, j, root);
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

/**
 * Minimum-norm solution of A x = b for symmetric positive semi-definite A, through its
 * eigendecomposition (eigenvalues below 1e-10 × the largest are treated as 0) — the answer
 * a least-squares solver gives for collinear features such as full one-hot groups.
 */
export function pseudoInverseSolve(a: Matrix, b: Float64Array): Float64Array {
  const n = a.rows;
  const { values, vectors } = symmetricEigen(a);
  const cutoff = Math.max(values[0] ?? 0, 0) * 1e-10;
  const x = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    if (!(values[c] > cutoff)) continue;
    let projection = 0;
    for (let i = 0; i < n; i++) projection += vectors.data[i * n + c] * b[i];
    const scaled = projection / values[c];
    for (let i = 0; i < n; i++) x[i] += vectors.data[i * n + c] * scaled;
  }
  return x;
}
