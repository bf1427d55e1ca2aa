/**
 * Standard normal draws in WebAssembly (`normal.wat`): Marsaglia's polar method on the
 * xoshiro128** stream, the values `Rng.normal()` gives bit for bit (the logarithm as V8's
 * Math.log computes it, fdlibm's), several times faster than the JavaScript loop, whose Math.log
 * calls were most of it. random.ts's `fillNormal` hands it long runs.
 */

import { compileSoon, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './normal.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  log(x: number): number;
  fillNormal(out: number, count: number, state: number): number;
  fillBetween(out: number, count: number, state: number, low: number, span: number, single: number): void;
}

/** Normals drawn into the kernel's memory at a time (512 KiB). */
const BLOCK = 1 << 16;

let kernel: Exports | undefined;

function ready(): Exports {
  kernel ??= instantiate<Exports>(WASM_BASE64);
  return kernel;
}

/** The kernel's logarithm (fdlibm's, as Math.log): for the tests. */
export function kernelLog(x: number): number {
  return ready().log(x);
}

/** Where the xoshiro128** state lies in the kernel's memory, and where the draws go. */
const STATE_AT = 0;
const OUT_AT = 16;

/**
 * Runs `draw` with the kernel holding the xoshiro128** state `state` (four words, updated in place
 * when it returns) and room for `bytes` of draws at `OUT_AT`.
 */
function withState<T>(state: Uint32Array, bytes: number, draw: (exports: Exports) => T): T {
  const exports = ready();
  ensureBytes(exports.memory, OUT_AT + bytes);
  new Uint32Array(exports.memory.buffer, STATE_AT, 4).set(state);
  const result = draw(exports);
  state.set(new Uint32Array(exports.memory.buffer, STATE_AT, 4));
  return result;
}

/**
 * `out[from …]` filled with normals from the xoshiro128** state `state` (four words, updated in
 * place), a pair at a time; when the count is odd, the last pair's second value is returned (the
 * caller's spare), else undefined.
 */
export function fillNormalFromState(out: Float64Array, from: number, state: Uint32Array): number | undefined {
  return withState(state, 8 * (Math.min(BLOCK, out.length - from) + 1), (exports) => {
    let spare: number | undefined;
    for (let at = from; at < out.length; at += BLOCK) {
      const count = Math.min(BLOCK, out.length - at);
      const odd = exports.fillNormal(OUT_AT, count, STATE_AT) === 1;
      const drawn = new Float64Array(exports.memory.buffer, OUT_AT, count + 1);
      out.set(drawn.subarray(0, count), at);
      if (odd) spare = drawn[count];
    }
    return spare;
  });
}

/**
 * `out` filled with uniforms on [low, low + span) from the xoshiro128** state `state` (four words,
 * updated in place): `Rng.fillBetween`'s values and stream, a block at a time.
 */
export function fillBetweenFromState(out: Float32Array | Float64Array, low: number, span: number, state: Uint32Array): void {
  const single = out instanceof Float32Array;
  withState(state, out.BYTES_PER_ELEMENT * Math.min(BLOCK, out.length), (exports) => {
    for (let at = 0; at < out.length; at += BLOCK) {
      const count = Math.min(BLOCK, out.length - at);
      exports.fillBetween(OUT_AT, count, STATE_AT, low, span, single ? 1 : 0);
      out.set(single ? new Float32Array(exports.memory.buffer, OUT_AT, count) : new Float64Array(exports.memory.buffer, OUT_AT, count), at);
    }
  });
}
