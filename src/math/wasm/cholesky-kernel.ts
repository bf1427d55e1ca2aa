/**
 * A x = b for symmetric positive-definite A by Cholesky in WebAssembly (`cholesky.wat`): the
 * JavaScript loop's operations in its order (the same bits, tested), eight rows of a column of L
 * at a time. Newton's method solves its Hessian's system each iteration (109 unknowns for a binary
 * logistic regression on Adult: 0.20 ms in the loop), linear regression its normal equations.
 */

import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './cholesky.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  factor(a: number, t: number, l: number, n: number): number;
  solve(l: number, b: number, y: number, x: number, n: number): void;
}

/** This thread's instance, its memory grown to the largest system asked for. */
let shared: Exports | undefined;

/**
 * The solution of A x = b (A: n × n row-major, its lower triangle read), or the first column
 * (from 0) whose pivot is not above 10⁻¹² · |A[j][j]| when A is not positive definite.
 */
export function choleskyKernelSolve(a: Float64Array, b: Float64Array, n: number): Float64Array | { notPositiveAt: number } {
  shared ??= instantiate<Exports>(WASM_BASE64);
  const { take, end } = byteLayout();
  const at = { a: take(8 * n * n), t: take(8 * n * n), l: take(8 * n * n), b: take(8 * n), y: take(8 * n), x: take(8 * n) };
  ensureBytes(shared.memory, end());
  const buffer = shared.memory.buffer;
  new Float64Array(buffer, at.a, n * n).set(a.subarray(0, n * n));
  new Float64Array(buffer, at.b, n).set(b.subarray(0, n));
  const failed = shared.factor(at.a, at.t, at.l, n);
  if (failed > 0) return { notPositiveAt: failed - 1 };
  shared.solve(at.l, at.b, at.y, at.x, n);
  return new Float64Array(shared.memory.buffer, at.x, n).slice();
}
