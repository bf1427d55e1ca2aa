/**
 * Float64 rows to float32 in WebAssembly (`float32.wat`), a block of rows at a time through the
 * kernel's memory: copied in (a memory copy), rounded there — scaled first where a column scaling
 * is given — and copied out. The bits of `Float32Array.set` and of `ColumnScaler.transformInto`
 * into a Float32Array (tested), at memory speed: V8's conversion took ~1 ns a value in the cache and
 * 2.8–4.6 ns over a data set (a Fashion-MNIST shadow's float32 rows, 27 million values, 125–130 ms).
 */

import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './float32.wasm.ts';
import { ThreatlabError } from '../../errors.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  demote(src: number, dst: number, count: number): void;
  scale_demote(src: number, dst: number, rows: number, cols: number, offset: number, factor: number, shift: number): void;
}

/** Values a block holds at most: 128 KiB of float64 in, 64 KiB of float32 out (larger blocks were no quicker). */
const BLOCK_VALUES = 1 << 14;

let kernel: Exports | undefined;

/** A column scaling as `ColumnScaler` holds it: each value becomes (x − offset[j]) · factor[j] + shift. */
export interface Float32Scaling {
  offset: Float64Array;
  factor: Float64Array;
  shift: number;
}

/**
 * The rows of `source` (rows × `cols`; its rows `only`, in that order, where given) written to
 * `out` as float32, row after row: each value — first scaled, (x − offset[j]) · factor[j] + shift
 * in float64, where `scaling` is given — rounded to nearest, ties to even, as a Float32Array stores it.
 */
export function toFloat32Rows(source: Float64Array, cols: number, out: Float32Array, scaling?: Float32Scaling, only?: Uint32Array): void {
  const rows = only?.length ?? Math.floor(source.length / Math.max(1, cols));
  if (out.length < rows * cols) throw new ThreatlabError('internal', `room for ${out.length} float32 values, ${rows} × ${cols} wanted`);
  if (rows === 0 || cols === 0) return;
  kernel ??= instantiate<Exports>(WASM_BASE64);
  const blockRows = Math.max(1, Math.floor(BLOCK_VALUES / cols));
  const { take, end } = byteLayout();
  const [offset, factor, src, dst] = [take(8 * cols), take(8 * cols), take(8 * blockRows * cols), take(4 * blockRows * cols)];
  ensureBytes(kernel.memory, end());
  const buffer = kernel.memory.buffer;
  if (scaling) {
    new Float64Array(buffer, offset, cols).set(scaling.offset);
    new Float64Array(buffer, factor, cols).set(scaling.factor);
  }
  const block = new Float64Array(buffer, src, blockRows * cols);
  const rounded = new Float32Array(buffer, dst, blockRows * cols);
  for (let first = 0; first < rows; first += blockRows) {
    const count = Math.min(blockRows, rows - first);
    if (only) for (let k = 0; k < count; k++) block.set(source.subarray(only[first + k] * cols, (only[first + k] + 1) * cols), k * cols);
    else block.set(source.subarray(first * cols, (first + count) * cols));
    if (scaling) kernel.scale_demote(src, dst, count, cols, offset, factor, scaling.shift);
    else kernel.demote(src, dst, count * cols);
    out.set(rounded.subarray(0, count * cols), first * cols);
  }
}
