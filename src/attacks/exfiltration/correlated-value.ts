/**
 * Correlated-value encoding (Song, Ristenpart and Shmatikov, CCS 2017, §4.2): a term
 * −λc·ρ(θ, s) added to the training loss makes the first N weights θ correlate with the secret
 * values s; decoding maps each item's block of weights linearly onto 0…255 (min–max).
 *
 * The paper penalises −λc·|ρ| and so must try both signs when decoding; we penalise −λc·ρ,
 * which fixes the sign at no cost to accuracy (ρ starts near 0 either way), so the decoder needs
 * no guess.
 */

import { tf } from '../../backend/tf.ts';
import { CapabilityError } from '../../errors.ts';
import type { WeightPenalty } from '../../models/neural/train-loop.ts';
import { correlation } from '../../metrics/similarity.ts';
import { weightVector } from '../../models/parameter-arrays.ts';
import type { Model } from '../../models/types.ts';
import type { CorrelationKey } from './key.ts';

/** Flattens the first `count` weights of the penalised tensors. */
export function leadingWeights(weights: tf.Tensor[], count: number): tf.Tensor1D {
  const parts: tf.Tensor1D[] = [];
  let remaining = count;
  for (const w of weights) {
    if (remaining <= 0) break;
    const flat = tf.reshape(w, [-1]) as tf.Tensor1D;
    parts.push(flat.size > remaining ? tf.slice(flat, 0, remaining) : flat);
    remaining -= Math.min(flat.size, remaining);
  }
  return parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor1D);
}

/** The first `count` values of `arrays` laid end to end, as views of them (`leadingWeights` on the weights' values). */
export function leadingValues(arrays: readonly Float32Array[], count: number): Float32Array[] {
  const views: Float32Array[] = [];
  let remaining = count;
  for (const array of arrays) {
    if (remaining <= 0) break;
    const taken = Math.min(array.length, remaining);
    views.push(array.subarray(0, taken));
    remaining -= taken;
  }
  if (remaining > 0) throw new CapabilityError(`the network has ${count - remaining} weights; the loss term needs ${count}`);
  return views;
}

/** The loss term −λ·ρ(θ[0:N], s) for the secret values s (kept alive for the whole training). */
export function correlationPenalty(values: Uint8Array, lambda: number): { penalty: WeightPenalty; dispose: () => void } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const centred = Float32Array.from(values, (v) => v - mean);
  const norm = Math.sqrt(centred.reduce((sum, v) => sum + v * v, 0)) || 1;
  const unit = centred.map((v) => v / norm);
  const secret = tf.keep(tf.tensor1d(unit));
  const count = values.length;
  // Σs is 0 but for float32 rounding; tfjs's gradient carries the rounding (∂/∂θⱼ of Σ(θᵢ − θ̄)sᵢ is sⱼ − s̄), and so does ours.
  const unitMean = unit.reduce((sum, v) => sum + v, 0) / count;
  const penalty: WeightPenalty = {
    tensor(weights) {
      const theta = leadingWeights(weights, count);
      const deviation = tf.sub(theta, tf.mean(theta));
      const rho = tf.div(tf.sum(tf.mul(deviation, secret)), tf.add(tf.sqrt(tf.sum(tf.square(deviation))), 1e-12));
      return tf.mul(-lambda, rho) as tf.Scalar;
    },
    // ρ = Σdᵢsᵢ / (‖d‖ + ε) with d = θ − θ̄: ∂ρ/∂θⱼ = (sⱼ − s̄)/(‖d‖ + ε) − ρ·dⱼ / (‖d‖·(‖d‖ + ε)) (Σd = 0), in float64.
    values(weights, gradients) {
      const thetas = leadingValues(weights, count);
      let sum = 0;
      for (const theta of thetas) for (let i = 0; i < theta.length; i++) sum += theta[i];
      const thetaMean = sum / count;
      let dot = 0;
      let squares = 0;
      // Plain loops: a sum or index a closure writes to lives boxed on the heap (~12 ns a weight).
      for (let part = 0, k = 0; part < thetas.length; part++) {
        const theta = thetas[part];
        for (let i = 0; i < theta.length; i++, k++) {
          const deviation = theta[i] - thetaMean;
          dot += deviation * unit[k];
          squares += deviation * deviation;
        }
      }
      const length = Math.sqrt(squares);
      const rho = dot / (length + 1e-12);
      if (gradients) {
        const grads = leadingValues(gradients, count);
        const along = -lambda / (length + 1e-12);
        const across = length > 0 ? (lambda * rho) / (length * (length + 1e-12)) : 0;
        for (let part = 0, k = 0; part < thetas.length; part++) {
          const [theta, grad] = [thetas[part], grads[part]];
          for (let i = 0; i < theta.length; i++, k++) grad[i] += along * (unit[k] - unitMean) + across * (theta[i] - thetaMean);
        }
      }
      return -lambda * rho;
    },
  };
  return { penalty, dispose: () => secret.dispose() };
}

/** Pearson correlation of the model's leading weights with the values (the attack's own measure). */
export function weightCorrelation(model: Model, values: Uint8Array): number {
  return correlation(weightVector(model).subarray(0, values.length), values);
}

/** Share of each item's weights clipped at either end when mapping onto 0…255. */
export const DECODE_CLIP = 0.005;

/**
 * Decodes each item's block of weights by mapping it linearly onto 0…255. The paper maps the
 * block's min and max; we map its 0.5% and 99.5% quantiles and clip, so that a few outlying
 * weights do not wash out the whole image (measured on MNIST: MAPE 33 → see the reproduction).
 */
export function decodeCorrelation(model: Model, key: CorrelationKey): Uint8Array {
  const theta = weightVector(model);
  const out = new Uint8Array(key.items * key.valuesPerItem);
  for (let item = 0; item < key.items; item++) {
    const block = theta.subarray(item * key.valuesPerItem, (item + 1) * key.valuesPerItem);
    const sorted = Float64Array.from(block).sort();
    const low = sorted[Math.floor(DECODE_CLIP * (sorted.length - 1))];
    const high = sorted[Math.ceil((1 - DECODE_CLIP) * (sorted.length - 1))];
    const span = high > low ? high - low : 1;
    for (let k = 0; k < block.length; k++) out[item * key.valuesPerItem + k] = Math.round(Math.max(0, Math.min(1, (block[k] - low) / span)) * 255);
  }
  return out;
}
