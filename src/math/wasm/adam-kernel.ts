/**
 * Adam (Kingma and Ba 2015) over float32 tensors held in a WebAssembly memory (`adam.wat`, f32x4,
 * one call a tensor): each tensor's values, two moments and gradient sit side by side, and one
 * step updates values and moments in place. The float32 operations are tfjs's `AdamOptimizer`'s,
 * in its order (β1^t and β2^t kept as float32 products, as tfjs keeps them). Used by the tfjs loop
 * (fused-adam.ts) and the native engine, which hands onnxruntime views of this memory.
 */

import { WASM_BASE64 } from './adam.wasm.ts';
import { ThreatlabError } from '../../errors.ts';
import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';

compileSoon(WASM_BASE64);

interface AdamExports {
  memory: WebAssembly.Memory;
  adam(
    w: number, m: number, v: number, g: number, count: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number,
    correction1: number, correction2: number, epsilon: number, negativeRate: number, tiny: number,
  ): void;
}

/** One tensor's blocks (byte offsets) and its length. */
interface Slot {
  count: number;
  w: number;
  m: number;
  v: number;
  g: number;
}

/** Adam's constants: tfjs's defaults; ε is tfjs-wasm's float32 epsilon. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** The smallest normal float32: with flushing on, smaller moments become zero. */
const SMALLEST_NORMAL_FLOAT32 = 2 ** -126;

/**
 * The memory of a kernel handed back (`release`), for the next kernel that fits in it: fresh
 * memory is fresh pages, ~4–12 µs each to touch on this machine — 3 ms of a 100-ms training of
 * Fashion-MNIST's 784-256-10 (0.8 M floats of values, moments and gradients) — and a process's
 * trainings (shadow models, benchmark runs) mostly come one after another at one size. One kept
 * per thread, at most `KEEP_BYTES`.
 */
let spare: { exports: AdamExports; bytes: number } | undefined;
const KEEP_BYTES = 64 * 2 ** 20;

/**
 * Values, moments and gradients of fixed-size tensors in one memory, stepped by Adam. With
 * `flushSubnormals`, moments below the smallest normal float32 become zero: a moment of a gradient
 * that stays zero (a dead unit, a constant input column) decays into subnormals after ~800 steps,
 * where x86 takes ~100 cycles an operation; the values step as before (an update from such a
 * moment is below 1e-33, lost in any weight above 1e-26). Off, every bit is tfjs's.
 */
export class AdamKernel {
  private readonly exports: AdamExports;
  private readonly slots: Slot[];
  private powerBeta1 = Math.fround(ADAM.beta1);
  private powerBeta2 = Math.fround(ADAM.beta2);
  private released = false;

  /** Tensors of `counts[k]` values (zero, as are the moments, until written through `values`). */
  constructor(
    counts: number[],
    private readonly learningRate: number,
    private readonly epsilon = ADAM.epsilon,
    private readonly flushSubnormals = false,
  ) {
    const layout = byteLayout();
    this.slots = counts.map((count) => ({ count, w: layout.take(4 * count), m: layout.take(4 * count), v: layout.take(4 * count), g: layout.take(4 * count) }));
    if (spare && spare.bytes >= layout.end()) {
      // A released kernel's memory, zeroed where this one lays its tensors (as a fresh one is).
      this.exports = spare.exports;
      spare = undefined;
      new Uint8Array(this.exports.memory.buffer, 0, layout.end()).fill(0);
    } else {
      this.exports = instantiate<AdamExports>(WASM_BASE64);
      // Grown once, here: views taken after this stay valid (growing would detach them).
      ensureBytes(this.exports.memory, layout.end());
    }
  }

  /**
   * Hands the kernel's memory to the next kernel made on this thread: neither this kernel nor any
   * view it gave (values, moments, gradients) may be used afterwards.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    const bytes = this.exports.memory.buffer.byteLength;
    if (bytes <= KEEP_BYTES && (!spare || spare.bytes < bytes)) spare = { exports: this.exports, bytes };
  }

  /** Tensor k's values (a view into the kernel's memory). */
  values(k: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, this.slots[k].w, this.slots[k].count);
  }

  /** Tensor k's first moment (a view). */
  firstMoment(k: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, this.slots[k].m, this.slots[k].count);
  }

  /** Where tensor k's gradient is to be written before a step (a view). */
  gradient(k: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, this.slots[k].g, this.slots[k].count);
  }

  /** One step on the tensors whose `has[k]` is true (all by default) from the gradients written. */
  step(has: (k: number) => boolean = () => true): void {
    if (this.released) throw new ThreatlabError('internal', 'an Adam kernel was stepped after it was released; make a new one for each training');
    const f = Math.fround;
    const correction1 = f(1 - this.powerBeta1);
    const correction2 = f(1 - this.powerBeta2);
    const { beta1, beta2 } = ADAM;
    this.slots.forEach((slot, k) => {
      if (has(k)) this.exports.adam(slot.w, slot.m, slot.v, slot.g, slot.count, beta1, beta2, 1 - beta1, 1 - beta2, correction1, correction2, this.epsilon, -this.learningRate, this.flushSubnormals ? SMALLEST_NORMAL_FLOAT32 : 0);
    });
    this.powerBeta1 = f(this.powerBeta1 * f(beta1));
    this.powerBeta2 = f(this.powerBeta2 * f(beta2));
  }
}
