/**
 * Sign encoding (Song, Ristenpart and Shmatikov, CCS 2017, §4.3): each secret bit sᵢ ∈ {−1, +1}
 * becomes the sign of one weight through the loss term λs·mean|min(0, θᵢ·sᵢ)|, which is zero
 * once every sign agrees; decoding reads sign(θᵢ). Eight weights carry one 8-bit value.
 */

import { tf } from '../../backend/tf.ts';
import type { WeightPenalty } from '../../models/neural/train-loop.ts';
import { weightVector } from '../../models/parameter-arrays.ts';
import type { Model } from '../../models/types.ts';
import { leadingValues, leadingWeights } from './correlated-value.ts';
import type { SignKey } from './key.ts';
import { bitsToValues, valuesToBits } from './secret.ts';

/**
 * Σ|θᵢ| over the weights whose sign disagrees with sᵢ, pulling each by −`scale`·sᵢ in `grad`
 * where given (relu's gradient is 0 at 0, as tfjs's). A module function over arrays: a total a
 * closure writes to lives boxed on the heap (~12 ns a weight).
 */
function wrongSigns(theta: Float32Array, signs: Float32Array, grad: Float32Array | undefined, scale: number): number {
  let total = 0;
  for (let i = 0; i < theta.length; i++) {
    const product = theta[i] * signs[i];
    if (product < 0) {
      total -= product;
      if (grad) grad[i] -= scale * signs[i];
    }
  }
  return total;
}

/** The loss term λ·mean(relu(−θᵢ·sᵢ)) over the first 8·|values| weights. */
export function signPenalty(values: Uint8Array, lambda: number): { penalty: WeightPenalty; dispose: () => void } {
  const bits = valuesToBits(values, 8);
  const signValues = Float32Array.from(bits, (bit) => (bit ? 1 : -1));
  // The signs' tensor, made when tfjs first asks (the native engine never does).
  let signs: tf.Tensor1D | undefined;
  const scale = lambda / bits.length;
  const penalty: WeightPenalty = {
    tensor(weights) {
      signs ??= tf.keep(tf.tensor1d(signValues));
      return tf.mul(lambda, tf.mean(tf.relu(tf.neg(tf.mul(leadingWeights(weights, bits.length), signs))))) as tf.Scalar;
    },
    // Each weight of the wrong sign adds λ/N·|θᵢ| and pulls by −λ/N·sᵢ.
    values(weights, gradients) {
      const thetas = leadingValues(weights, bits.length);
      const grads = gradients && leadingValues(gradients, bits.length);
      let total = 0;
      for (let part = 0, at = 0; part < thetas.length; at += thetas[part].length, part++) total += wrongSigns(thetas[part], signValues.subarray(at), grads?.[part], scale);
      return scale * total;
    },
  };
  return { penalty, dispose: () => signs?.dispose() };
}

/** Share of the first 8·|values| weights whose sign matches the secret's bits. */
export function signAgreement(model: Model, values: Uint8Array): number {
  const bits = valuesToBits(values, 8);
  const theta = weightVector(model);
  let agree = 0;
  for (let i = 0; i < bits.length; i++) if ((theta[i] > 0 ? 1 : 0) === bits[i]) agree++;
  return agree / bits.length;
}

/** Decodes the values from the weights' signs (white-box). */
export function decodeSign(model: Model, key: SignKey): Uint8Array {
  const theta = weightVector(model);
  const count = key.items * key.valuesPerItem;
  const bits = Uint8Array.from({ length: count * 8 }, (_, i) => (theta[i] > 0 ? 1 : 0));
  return bitsToValues(bits, 8, count);
}
