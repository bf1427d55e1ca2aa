/**
 * Per-example gradient clipping for DP-SGD (Abadi et al., CCS 2016, Algorithm 1) without a loop
 * over examples. Every trainable layer is written as a linear op (dense or convolution) whose
 * output gets a zero "probe" tensor added; the gradient of the summed loss with respect to the
 * probes is each example's back-propagated error δᵢ at that op, because example i's loss depends
 * on row i of the probe only. From the op's input aᵢ and δᵢ:
 *
 * - dense: example i's weight gradient is aᵢ ⊗ δᵢ, whose squared norm is ‖aᵢ‖²‖δᵢ‖²
 *   (Goodfellow, "Efficient per-example gradient computations", 2015), so no per-example
 *   gradient is ever formed; the clipped sum is Aᵀ(c ⊙ Δ);
 * - convolution: example i's kernel gradient is Uᵢᵀ Δᵢ with Uᵢ its input patches (im2col, done as
 *   a convolution with a one-hot filter bank), one batched matrix product for the whole batch.
 *
 * Each example's factor cᵢ = min(1, C / ‖gᵢ‖) clips its whole gradient (all layers together) to
 * norm C; what comes back is Σᵢ cᵢ gᵢ per variable, before noise.
 */

import { tf } from '../../backend/tf.ts';

/** A trainable layer as DP-SGD sees it. */
export type LinearOp =
  | { kind: 'dense'; weight: tf.Variable; bias: tf.Variable }
  /** A stride-1 'valid' convolution with a square kernel; weight in tfjs layout [k, k, in, out]. */
  | { kind: 'conv'; weight: tf.Variable; bias: tf.Variable; kernelSize: number };

/** A network whose forward pass lets the caller see and replace each linear op's output. */
export interface ProbedNetwork {
  ops: LinearOp[];
  /**
   * The scores (logits) of `input`; `atOp(l, input, output)` is called with op l's input and its
   * output (before the activation) and returns the tensor that goes on.
   */
  forward(input: tf.Tensor2D, atOp: (l: number, opInput: tf.Tensor, opOutput: tf.Tensor) => tf.Tensor): tf.Tensor2D;
}

/** The clipped gradient sums of one batch. */
export interface ClippedGradients {
  /** Σᵢ cᵢ gᵢ, keyed by variable name (weights and biases of every op). */
  sums: Map<string, tf.Tensor>;
  /** Summed softmax cross-entropy of the batch (before clipping). */
  loss: number;
  /** Share of the batch's examples whose gradient was clipped. */
  clippedShare: number;
}

/** One-hot identity filters [k, k, channels, k·k·channels]: a convolution with them lays out each patch. */
function patchFilters(kernelSize: number, channels: number): tf.Tensor4D {
  const size = kernelSize * kernelSize * channels;
  const values = new Float32Array(size * size);
  for (let p = 0; p < size; p++) values[p * size + p] = 1;
  return tf.tensor4d(values, [kernelSize, kernelSize, channels, size]);
}

/** Summed softmax cross-entropy of scores against one-hot targets. */
function summedCrossEntropy(scores: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(scores)))) as tf.Scalar;
}

/** Per-example clipped gradient sums of softmax cross-entropy on one batch, clipping norm `clip`. */
export function clippedGradientSums(network: ProbedNetwork, inputs: tf.Tensor2D, targets: tf.Tensor2D, clip: number): ClippedGradients {
  const opInputs: tf.Tensor[] = [];
  const shapes: number[][] = [];
  const out = tf.tidy(() => {
    network.forward(inputs, (l, opInput, opOutput) => {
      opInputs[l] = tf.keep(opInput);
      shapes[l] = opOutput.shape;
      return opOutput;
    });
    const probes = shapes.map((shape) => tf.zeros(shape));
    const { value, grads: deltas } = tf.valueAndGrads((...p: tf.Tensor[]) => summedCrossEntropy(network.forward(inputs, (l, _input, output) => tf.add(output, p[l])), targets))(probes);
    const batch = inputs.shape[0];
    let squaredNorms = tf.zeros([batch]) as tf.Tensor1D;
    const perOp = network.ops.map((op, l) => {
      const delta = deltas[l];
      if (op.kind === 'dense') {
        const activationNorms = tf.sum(tf.square(opInputs[l]), 1);
        const deltaNorms = tf.sum(tf.square(delta), 1);
        squaredNorms = tf.add(squaredNorms, tf.add(tf.mul(activationNorms, deltaNorms), deltaNorms));
        return { op, delta: delta as tf.Tensor2D };
      }
      const channels = opInputs[l].shape[3]!;
      const patches = tf.conv2d(opInputs[l] as tf.Tensor4D, patchFilters(op.kernelSize, channels), 1, 'valid');
      const positions = patches.shape[1] * patches.shape[2];
      const unfolded = tf.reshape(patches, [batch, positions, patches.shape[3]]) as tf.Tensor3D;
      const flatDelta = tf.reshape(delta, [batch, positions, delta.shape[3]!]) as tf.Tensor3D;
      const kernelGradients = tf.matMul(unfolded, flatDelta, true, false);
      const biasGradients = tf.sum(flatDelta, 1);
      squaredNorms = tf.add(squaredNorms, tf.add(tf.sum(tf.square(kernelGradients), [1, 2]), tf.sum(tf.square(biasGradients), 1)));
      return { op, kernelGradients, biasGradients };
    });
    const norms = tf.sqrt(squaredNorms);
    const factors = tf.minimum(1, tf.div(clip, tf.maximum(norms, 1e-12))) as tf.Tensor1D;
    const sums: tf.Tensor[] = [];
    for (const entry of perOp) {
      if (entry.op.kind === 'dense') {
        const scaled = tf.mul(entry.delta!, tf.expandDims(factors, 1));
        sums.push(tf.matMul(opInputs[network.ops.indexOf(entry.op)] as tf.Tensor2D, scaled as tf.Tensor2D, true, false), tf.sum(scaled, 0));
      } else {
        const weighted = tf.sum(tf.mul(entry.kernelGradients!, tf.reshape(factors, [batch, 1, 1])), 0);
        sums.push(tf.reshape(weighted, entry.op.weight.shape), tf.sum(tf.mul(entry.biasGradients!, tf.expandDims(factors, 1)), 0));
      }
    }
    const clipped = tf.sum(tf.cast(tf.less(factors, 1), 'float32'));
    return { sums, value, clipped };
  });
  opInputs.forEach((t) => t.dispose());
  const result = new Map<string, tf.Tensor>();
  network.ops.forEach((op, l) => {
    result.set(op.weight.name, out.sums[2 * l]);
    result.set(op.bias.name, out.sums[2 * l + 1]);
  });
  const loss = out.value.dataSync()[0];
  const clipped = out.clipped.dataSync()[0];
  out.value.dispose();
  out.clipped.dispose();
  return { sums: result, loss, clippedShare: inputs.shape[0] > 0 ? clipped / inputs.shape[0] : 0 };
}
