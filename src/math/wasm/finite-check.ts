/**
 * The first value of an array that is not finite, scanned in WebAssembly (`finite.wat`) a block at
 * a time: what every fit checks of its rows and every prediction of its inputs (models/validate.ts).
 * The JavaScript loop is as quick once V8 has optimised it, but a process's first fit ran it before
 * then — 8–12 ms for 3,000 × 784 values against 1.2–2.9 ms after; the kernel is compiled before
 * its first call, and copying a block into its memory costs about as much as the loop saves.
 */

import { compileSoon, instantiate } from './memory.ts';
import { WASM_BASE64 } from './finite.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  any_not_finite(at: number, count: number, allowNan: number): number;
}

/** Values copied into the kernel's memory at a time: its one 64-KiB page. */
const BLOCK = 8192;
/** Below this many values the loop, which copies nothing, is as quick. */
const SMALL = 4096;

let kernel: Exports | undefined;
let block: Float64Array | undefined;

/** The first k in [from, to) where data[k] is not finite (`allowNan`: where it is ±Infinity), or −1. */
function firstInLoop(data: Float64Array, from: number, to: number, allowNan: boolean): number {
  for (let k = from; k < to; k++) {
    const value = data[k];
    if (allowNan ? value === Infinity || value === -Infinity : value - value !== 0) return k;
  }
  return -1;
}

/** The index of the first value of `data` that is ±Infinity or NaN (`allowNan`: ±Infinity), or −1 when there is none. */
export function firstNotFinite(data: Float64Array, allowNan = false): number {
  if (data.length < SMALL) return firstInLoop(data, 0, data.length, allowNan);
  kernel ??= instantiate<Exports>(WASM_BASE64);
  block ??= new Float64Array(kernel.memory.buffer, 0, BLOCK);
  for (let start = 0; start < data.length; start += BLOCK) {
    const count = Math.min(BLOCK, data.length - start);
    block.set(data.subarray(start, start + count));
    if (kernel.any_not_finite(0, count, allowNan ? 1 : 0)) return firstInLoop(data, start, start + count, allowNan);
  }
  return -1;
}
