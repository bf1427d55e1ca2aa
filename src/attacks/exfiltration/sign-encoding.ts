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

/** The loss term λ·mean(relu(−θᵢ·sᵢ)) over the first 8·|values| weights. */
export function signPenalty(values: Uint8Array, lambda: number): { penalty: WeightPenalty; dispose: () => void } {
  const bits = valuesToBits(values, 8);
  const signValues = Float32Array.from(bits, (bit) => (bit ? 1 : -1));
  const signs = tf.keep(tf.tensor1d(signValues));
  const scale = lambda / bits.length;
  const penalty: WeightPenalty = {
    tensor: (weights) => tf.mul(lambda, tf.mean(tf.relu(tf.neg(tf.mul(leadingWeights(weights, bits.length), signs))))) as tf.Scalar,
    // Each weight of the wrong sign adds λ/N·|θᵢ| and pulls by −λ/N·sᵢ (relu's gradient is 0 at 0, as tfjs's).
    values(weights, gradients) {
      const thetas = leadingValues(weights, bits.length);
      const grads = gradients && leadingValues(gradients, bits.length);
      let total = 0;
      // Plain loops: a total or index a closure writes to lives boxed on the heap (12 ns a weight, against ~1).
      for (let part = 0, k = 0; part < thetas.length; part++) {
        const [theta, grad] = [thetas[part], grads?.[part]];
        for (let i = 0; i < theta.length; i++, k++) {
          const product = theta[i] * signValues[k];
          if (product < 0) {
            total -= product;
            if (grad) grad[i] -= scale * signValues[k];
          }
        }
      }
      return scale * total;
    },
  };
  return { penalty, dispose: () => signs.dispose() };
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
