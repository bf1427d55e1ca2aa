/**
 * MI-Face — Fredrikson, Jha, Ristenpart (CCS 2015), Algorithm 1: recover a recognisable image
 * of the person behind a class label by gradient descent on c(x) = 1 − f_label(x), from a blank
 * image:
 *
 *     x₀ ← 0;  for i = 1…α:  xᵢ ← Process(xᵢ₋₁ − λ ∇c(xᵢ₋₁))
 *              stop after β steps without a lower cost, or when f_label(xᵢ) ≥ γ
 *     return the best iterate (lowest cost), not the last.
 *
 * Process keeps pixels in the feature domain ([0, 1] for faces). With an autoencoder (the
 * paper's "Process-DAE"), the descent runs in the autoencoder's code space: the image is the
 * decoding D(z), the cost 1 − f_label(D(z)), and each step is denoised by z ← E(D(z)).
 * Every label of a batch is inverted at once (one row per label); rows stop independently.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { ParamSpecs, ParamValues } from '../../models/params.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { applyLayers, logProbabilities, type DifferentiableClassifier, type TensorLayer } from './differentiable.ts';

/** Algorithm 1's constants, with the paper's values for faces as defaults. */
export const MI_FACE_PARAMS = {
  step: { type: 'number', default: 0.1, above: 0, doc: 'gradient step λ' },
  maxIterations: { type: 'number', default: 5000, min: 1, integer: true, doc: 'iterations α at most' },
  patience: { type: 'number', default: 100, min: 1, integer: true, doc: 'stop after β iterations without a lower cost' },
  confidence: { type: 'number', default: 0.99, above: 0, max: 1, doc: 'stop when the target confidence reaches γ' },
  objective: {
    type: 'choice',
    values: ['log-probability', 'probability'] as const,
    default: 'log-probability',
    doc: 'descend along ∇(−log f_label) (same direction as the paper\'s ∇(1 − f_label), no float32 underflow) or ∇(1 − f_label) as written',
  },
} satisfies ParamSpecs;

/** Validated MI-Face parameters. */
export type MiFaceParams = ParamValues<typeof MI_FACE_PARAMS>;

/** The autoencoder of Process-DAE: encoder and decoder layers. */
export interface DenoisingPrior {
  encoder: TensorLayer[];
  decoder: TensorLayer[];
  /** Re-encode after every step (z ← E(D(z))); without it the decoder alone keeps images on the autoencoder's manifold. */
  denoise?: boolean;
}

/** One reconstruction per label. */
export interface MiFaceResult {
  labels: number[];
  /** The best iterate per label, in image space (rows × input size). */
  images: Matrix;
  /** Target confidence f_label at the best iterate. */
  confidences: number[];
  /** Iterations each row ran. */
  iterations: number[];
  /** Gradient evaluations in all (one per row per iteration). */
  gradientSteps: number;
}

/** Runs MI-Face against a white-box classifier for each label. */
export async function miFace(
  target: DifferentiableClassifier,
  labels: readonly number[],
  params: MiFaceParams,
  options: { domain?: { min: number; max: number }; prior?: DenoisingPrior; progress?: Progress } = {},
): Promise<MiFaceResult> {
  await initBackend();
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= target.classes) {
      throw new ValidationError('cannot invert', [{ path: 'labels', message: `label ${label} is not a class index in [0, ${target.classes - 1}]` }]);
    }
  }
  const n = labels.length;
  const { min, max } = options.domain ?? { min: 0, max: 1 };
  const prior = options.prior;
  const progress = options.progress ?? silentProgress;
  const mask = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), target.classes).toFloat() as tf.Tensor2D;
  const imageOf = (z: tf.Tensor2D): tf.Tensor2D => (prior ? applyLayers(prior.decoder, z) : z);
  const confidenceOf = (z: tf.Tensor2D): tf.Tensor1D => tf.sum(tf.mul(applyLayers(target.layers, imageOf(z)), mask), 1);
  // ∇(1 − p) = −p ∇log p: the same direction. In float32, p underflows to 0 on a blank image
  // (an unregularised softmax gives most labels p < 1e-30 there) and ∇(1 − p) with it;
  // log p comes from the scores (log-softmax), finite everywhere.
  const gradient = tf.grad((z: tf.Tensor) =>
    params.objective === 'probability' ? tf.sum(tf.sub(1, confidenceOf(z as tf.Tensor2D))) : tf.neg(tf.sum(tf.mul(logProbabilities(target.layers, imageOf(z as tf.Tensor2D)), mask))),
  );
  const processOf = (z: tf.Tensor2D): tf.Tensor2D => {
    if (!prior) return tf.clipByValue(z, min, max);
    return prior.denoise === false ? z : applyLayers(prior.encoder, applyLayers(prior.decoder, z));
  };

  const blank = tf.zeros([n, target.inputSize]) as tf.Tensor2D;
  let current: tf.Tensor2D = prior ? tf.tidy(() => applyLayers(prior.encoder, blank)) : blank.clone();
  blank.dispose();
  let best = current.clone();
  // Costs are tracked as −log f_label: the same order as 1 − f_label, with float32 resolution
  // where f_label is tiny (1 − f_label rounds to 1 there and would never "improve").
  const costOf = (z: tf.Tensor2D): tf.Tensor1D => tf.neg(tf.sum(tf.mul(logProbabilities(target.layers, imageOf(z)), mask), 1)) as tf.Tensor1D;
  const bestCost = Array.from(tf.tidy(() => costOf(current)).dataSync());
  const stale = new Array<number>(n).fill(0);
  const iterations = new Array<number>(n).fill(0);
  const reached = (cost: number): boolean => Math.exp(-cost) >= params.confidence;
  const active = bestCost.map((cost) => !reached(cost));
  let gradientSteps = 0;
  progress.start('MI-Face', params.maxIterations);
  for (let i = 1; i <= params.maxIterations && active.some(Boolean); i++) {
    const activeMask = tf.tensor2d(active.map(Number), [n, 1]);
    const next = tf.tidy(() => processOf(tf.sub(current, tf.mul(tf.mul(gradient(current), params.step), activeMask)) as tf.Tensor2D));
    const costs = tf.tidy(() => costOf(next)).dataSync();
    activeMask.dispose();
    current.dispose();
    current = next;
    const improved = new Array<number>(n).fill(0);
    for (let r = 0; r < n; r++) {
      if (!active[r]) continue;
      gradientSteps += 1;
      iterations[r] = i;
      if (costs[r] < bestCost[r]) {
        bestCost[r] = costs[r];
        stale[r] = 0;
        improved[r] = 1;
      } else {
        stale[r] += 1;
      }
      if (stale[r] >= params.patience || reached(bestCost[r])) active[r] = false;
    }
    if (improved.some(Boolean)) {
      const keep = tf.tensor2d(improved, [n, 1]);
      const merged = tf.tidy(() => tf.add(tf.mul(current, keep), tf.mul(best, tf.sub(1, keep))) as tf.Tensor2D);
      keep.dispose();
      best.dispose();
      best = merged;
    }
    progress.tick(1);
  }
  progress.done();
  const images = tf.tidy(() => imageOf(best));
  const data = Float64Array.from(images.dataSync());
  tf.dispose([images, best, current, mask]);
  return { labels: [...labels], images: createMatrix(n, data.length / n, data), confidences: bestCost.map((cost) => Math.exp(-cost)), iterations, gradientSteps };
}
