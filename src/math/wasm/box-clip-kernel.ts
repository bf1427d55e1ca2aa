/**
 * Rows of a float64 matrix clipped in place to a box per column in WebAssembly (`box-clip.wat`,
 * f64x2): each value becomes Math.min(upper_j, Math.max(lower_j, v)) exactly — signed zeros and NaN
 * as JavaScript has them — at a fraction of the JavaScript loop's time, whose Math.max and Math.min
 * branch on every value (an evasion run repairs every adversarial row this way: white-box.ts).
 * Rows go through the kernel's memory a block at a time, so its memory stays small.
 */

import { WASM_BASE64 } from './box-clip.wasm.ts';
import { compileSoon, ensureBytes, instantiate } from './memory.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  clipRows(at: number, rows: number, cols: number, lower: number, upper: number): void;
}

/** Bytes of rows copied into the kernel's memory at a time. */
const BLOCK_BYTES = 512 * 1024;

let kernel: Exports | undefined;

/**
 * Clips rows `rows` (row numbers, each `cols` values long; `'all'`: every row of `data`) of `data`
 * in place to [lower_j, upper_j] column by column; `lower` and `upper` hold `cols` values each. A run
 * of consecutive rows is copied into the kernel as one block.
 */
export function clipRowsToBox(data: Float64Array, cols: number, which: ArrayLike<number> | 'all', lower: Float64Array, upper: Float64Array): void {
  if (cols === 0) return;
  const total = which === 'all' ? Math.floor(data.length / cols) : which.length;
  if (total === 0) return;
  kernel ??= instantiate<Exports>(WASM_BASE64);
  const boundsBytes = 16 * cols;
  const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / (8 * cols)));
  ensureBytes(kernel.memory, boundsBytes + perBlock * 8 * cols);
  const memory = new Float64Array(kernel.memory.buffer);
  memory.set(lower.subarray(0, cols), 0);
  memory.set(upper.subarray(0, cols), cols);
  const block = 2 * cols;
  const rowAt = (k: number) => (which === 'all' ? k : which[k]);
  for (let start = 0; start < total; start += perBlock) {
    const count = Math.min(perBlock, total - start);
    const first = rowAt(start);
    let consecutive = true;
    for (let k = 1; k < count && consecutive; k++) consecutive = rowAt(start + k) === first + k;
    if (consecutive) memory.set(data.subarray(first * cols, (first + count) * cols), block);
    else for (let k = 0; k < count; k++) memory.set(data.subarray(rowAt(start + k) * cols, (rowAt(start + k) + 1) * cols), block + k * cols);
    kernel.clipRows(8 * block, count, cols, 0, 8 * cols);
    if (consecutive) data.set(memory.subarray(block, block + count * cols), first * cols);
    else for (let k = 0; k < count; k++) data.set(memory.subarray(block + k * cols, block + (k + 1) * cols), rowAt(start + k) * cols);
  }
}
