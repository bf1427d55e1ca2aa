/**
 * Adam (Kingma and Ba 2015) for the training loop, computed in one WebAssembly call per variable
 * (`math/wasm/adam.wat`, f32x4) instead of tfjs's seventeen tensor operations per variable per
 * step (math/wasm/adam-kernel.ts). Every float32 operation is the one tfjs's `AdamOptimizer` runs,
 * in its order, each exactly rounded on both sides, so training gives the same weights bit for bit
 * (tested against `tf.train.adam`). The moments live in the kernel's memory with a copy of the
 * weights; each step reads the gradients out of tfjs and assigns the new weights back. On a Fashion-MNIST shadow
 * model (784-128-10, batch 128) the optimiser's tfjs operations were about a sixth of training.
 */

import { tf } from '../../backend/tf.ts';
import { AdamKernel } from '../../math/wasm/adam-kernel.ts';

/** Adam over fixed variables, tfjs's defaults (β1 0.9, β2 0.999, ε the backend's epsilon). */
export class FusedAdam {
  private readonly kernel: AdamKernel;

  /** Reads the variables' current values; nothing else may assign them while this optimiser is used. */
  constructor(
    private readonly variables: tf.Variable[],
    learningRate: number,
  ) {
    this.kernel = new AdamKernel(variables.map((v) => v.size), learningRate, tf.backend().epsilon());
    variables.forEach((variable, k) => this.kernel.values(k).set(variable.dataSync() as Float32Array));
  }

  /** One step: `gradients[k]` is the gradient of `variables[k]` (undefined: that variable and its moments are left as they are). */
  apply(gradients: (tf.Tensor | undefined)[]): void {
    gradients.forEach((gradient, k) => gradient && this.kernel.gradient(k).set(gradient.dataSync() as Float32Array));
    this.kernel.step((k) => gradients[k] !== undefined);
    this.variables.forEach((variable, k) => {
      if (!gradients[k]) return;
      // tfjs copies the values into its own memory; the variable keeps that copy.
      const values = tf.tensor(this.kernel.values(k), variable.shape, 'float32');
      variable.assign(values);
      values.dispose();
    });
  }

  /** Hands the optimiser's memory to the next training on this thread (the variables keep their values); not to be used afterwards. */
  release(): void {
    this.kernel.release();
  }
}
