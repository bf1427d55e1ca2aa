/**
 * Adam (Kingma and Ba 2015) for the training loop, computed in one WebAssembly call per variable
 * (`math/wasm/adam.wat`, f32x4) instead of tfjs's seventeen tensor operations per variable per
 * step. Every float32 operation is the one tfjs's `AdamOptimizer` runs, in its order, each exactly
 * rounded on both sides, so training gives the same weights bit for bit (tested against
 * `tf.train.adam`). The moments live in the kernel's memory with a copy of the weights; each step
 * reads the gradients out of tfjs and assigns the new weights back. On a Fashion-MNIST shadow
 * model (784-128-10, batch 128) the optimiser's tfjs operations were about a sixth of training.
 */

import { tf } from '../../backend/tf.ts';
import { WASM_BASE64 } from '../../math/wasm/adam.wasm.ts';
import { byteLayout, ensureBytes, instantiate } from '../../math/wasm/memory.ts';

interface AdamExports {
  memory: WebAssembly.Memory;
  adam(
    w: number, m: number, v: number, g: number, count: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number,
    correction1: number, correction2: number, epsilon: number, negativeRate: number,
  ): void;
}

/** Where one variable's values, moments and gradient sit in the kernel's memory (byte offsets). */
interface Slot {
  variable: tf.Variable;
  count: number;
  w: number;
  m: number;
  v: number;
  g: number;
}

/** Adam over fixed variables, tfjs's defaults (β1 0.9, β2 0.999, ε the backend's epsilon). */
export class FusedAdam {
  private readonly exports: AdamExports;
  private readonly slots: Slot[];
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  private readonly epsilon: number;
  /** β1^t and β2^t as float32, as tfjs keeps them (one float32 product per step). */
  private powerBeta1 = Math.fround(0.9);
  private powerBeta2 = Math.fround(0.999);

  /** Reads the variables' current values; nothing else may assign them while this optimiser is used. */
  constructor(
    variables: tf.Variable[],
    private readonly learningRate: number,
  ) {
    this.epsilon = tf.backend().epsilon();
    this.exports = instantiate<AdamExports>(WASM_BASE64);
    const layout = byteLayout();
    this.slots = variables.map((variable) => {
      const count = variable.size;
      return { variable, count, w: layout.take(4 * count), m: layout.take(4 * count), v: layout.take(4 * count), g: layout.take(4 * count) };
    });
    ensureBytes(this.exports.memory, layout.end());
    for (const slot of this.slots) this.view(slot.w, slot.count).set(slot.variable.dataSync() as Float32Array);
  }

  private view(at: number, count: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, count);
  }

  /** One step: `gradients[k]` is the gradient of `variables[k]` (undefined: that variable and its moments are left as they are). */
  apply(gradients: (tf.Tensor | undefined)[]): void {
    const f = Math.fround;
    const correction1 = f(1 - this.powerBeta1);
    const correction2 = f(1 - this.powerBeta2);
    this.slots.forEach((slot, k) => {
      const gradient = gradients[k];
      if (!gradient) return;
      this.view(slot.g, slot.count).set(gradient.dataSync() as Float32Array);
      this.exports.adam(slot.w, slot.m, slot.v, slot.g, slot.count, this.beta1, this.beta2, 1 - this.beta1, 1 - this.beta2, correction1, correction2, this.epsilon, -this.learningRate);
      // tfjs copies the values into its own memory; the variable keeps that copy.
      const values = tf.tensor(this.view(slot.w, slot.count), slot.variable.shape, 'float32');
      slot.variable.assign(values);
      values.dispose();
    });
    this.powerBeta1 = f(this.powerBeta1 * f(this.beta1));
    this.powerBeta2 = f(this.powerBeta2 * f(this.beta2));
  }
}
