/**
 * The corruption a denoising autoencoder trains against (Vincent et al. 2008): each batch's inputs
 * (values in [0, 1]) with Gaussian noise of std `level` added and clipped back to [0, 1], or a
 * share `level` of them zeroed (masking). Both engines corrupt every training batch afresh: the
 * tfjs loop with tfjs's seeded generators (a seed from the loop's rng each batch), the native
 * engine in its step graph from draws of the loop's rng (native/dense-step-graph.ts) — the same
 * corruption, two noise streams.
 */

import { tf } from '../../backend/tf.ts';
import type { Rng } from '../../random.ts';

export interface InputCorruption {
  kind: 'gaussian' | 'masking';
  /** The Gaussian noise's std, or the share of inputs zeroed. */
  level: number;
}

/** A batch corrupted on tfjs, its noise seeded by a draw of `rng`. */
export function corruptOnTfjs(corruption: InputCorruption, batch: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  const seed = rng.nextUint32();
  if (corruption.kind === 'gaussian') return tf.clipByValue(tf.add(batch, tf.randomNormal(batch.shape, 0, corruption.level, 'float32', seed)), 0, 1) as tf.Tensor2D;
  return tf.mul(batch, tf.cast(tf.greaterEqual(tf.randomUniform(batch.shape, 0, 1, 'float32', seed), corruption.level), 'float32')) as tf.Tensor2D;
}
