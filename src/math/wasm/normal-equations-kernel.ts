/**
 * The normal matrix of equation solving's log-ratio systems in WebAssembly (`normal-equations.wat`):
 * the JavaScript loop's sums in their order (the same bits, tested), a block of the matrix's rows
 * at a time over every design row, two entries side by side. The 5-class kernel reproduction's
 * 1,001-square system from 4,000 rows: 8.8 s in the loop.
 */

import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './normal-equations.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  normal_rows(x: number, answered: number, normal: number, n: number, d: number, first: number, last: number): void;
}

/** The most bytes (design and matrix) the kernel takes; a larger system stays in the loop. */
export const NORMAL_KERNEL_BYTES = 512 << 20;

/** Rows of the matrix filled together (~512 KiB of them, which stay in the cache). */
const BLOCK_VALUES = 1 << 16;

/** Σ_i r_i r_iᵀ over the rows i with `answered[i]` (r_i: row i of x, n × d, then 1), (d + 1) × (d + 1); on an instance of its own. */
export function normalMatrixKernel(x: Float64Array, n: number, d: number, answered: Uint8Array): Float64Array {
  const exports = instantiate<Exports>(WASM_BASE64);
  const width = d + 1;
  const { take, end } = byteLayout();
  const at = { x: take(8 * n * d), normal: take(8 * width * width), answered: take(n) };
  ensureBytes(exports.memory, end());
  const buffer = exports.memory.buffer;
  new Float64Array(buffer, at.x, n * d).set(x.subarray(0, n * d));
  new Uint8Array(buffer, at.answered, n).set(answered.subarray(0, n));
  const block = Math.max(1, Math.floor(BLOCK_VALUES / width));
  for (let first = 0; first < width; first += block) exports.normal_rows(at.x, at.answered, at.normal, n, d, first, Math.min(width, first + block));
  return new Float64Array(buffer, at.normal, width * width).slice();
}
