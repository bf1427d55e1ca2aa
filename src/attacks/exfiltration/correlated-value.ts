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

/**
 * Adds Σe, Σe·s and Σe² for e = θ − `centre` into `sums` (`unit`: the secret's values from `theta`'s first on).
 * Module functions over arrays, not closures: V8 keeps their sums in registers (a sum a closure
 * writes to lives boxed on the heap, ~12 ns a weight against ~1).
 */
function addShiftedSums(theta: Float32Array, unit: Float32Array, centre: number, sums: Float64Array): void {
  let shifted = 0;
  let dot = 0;
  let squares = 0;
  for (let i = 0; i < theta.length; i++) {
    const e = theta[i] - centre;
    shifted += e;
    dot += e * unit[i];
    squares += e * e;
  }
  sums[0] += shifted;
  sums[1] += dot;
  sums[2] += squares;
}

/** grad += along·(s − s̄) + across·(θ − θ̄) (`unit`: the secret's values from `theta`'s first on). */
function addCorrelationGradient(theta: Float32Array, unit: Float32Array, grad: Float32Array, along: number, unitMean: number, across: number, thetaMean: number): void {
  for (let i = 0; i < theta.length; i++) grad[i] += along * (unit[i] - unitMean) + across * (theta[i] - thetaMean);
}

/** The loss term −λ·ρ(θ[0:N], s) for the secret values s (kept alive for the whole training). */
export function correlationPenalty(values: Uint8Array, lambda: number): { penalty: WeightPenalty; dispose: () => void } {
  const count = values.length;
  let total = 0;
  for (let i = 0; i < count; i++) total += values[i];
  const mean = total / count;
  const centred = new Float32Array(count);
  for (let i = 0; i < count; i++) centred[i] = values[i] - mean;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += centred[i] * centred[i];
  const norm = Math.sqrt(squares) || 1;
  const unit = new Float32Array(count);
  for (let i = 0; i < count; i++) unit[i] = centred[i] / norm;
  // The secret's tensor, made when tfjs first asks (the native engine never does).
  let secret: tf.Tensor1D | undefined;
  // Σs is 0 but for float32 rounding; tfjs's gradient carries the rounding (∂/∂θⱼ of Σ(θᵢ − θ̄)sᵢ is sⱼ − s̄), and so does ours.
  let unitSum = 0;
  for (let i = 0; i < count; i++) unitSum += unit[i];
  const unitMean = unitSum / count;
  // The last call's mean of the weights: sums about it lose nothing to cancellation, and one pass gives them all.
  let centre = 0;
  const penalty: WeightPenalty = {
    tensor(weights) {
      secret ??= tf.keep(tf.tensor1d(unit));
      const theta = leadingWeights(weights, count);
      const deviation = tf.sub(theta, tf.mean(theta));
      const rho = tf.div(tf.sum(tf.mul(deviation, secret)), tf.add(tf.sqrt(tf.sum(tf.square(deviation))), 1e-12));
      return tf.mul(-lambda, rho) as tf.Scalar;
    },
    // ρ = Σdᵢsᵢ / (‖d‖ + ε) with d = θ − θ̄: ∂ρ/∂θⱼ = (sⱼ − s̄)/(‖d‖ + ε) − ρ·dⱼ / (‖d‖·(‖d‖ + ε)) (Σd = 0), in float64.
    values(weights, gradients) {
      const thetas = leadingValues(weights, count);
      // With e = θ − c: Σd·s = Σe·s − (θ̄ − c)·Σs and Σd² = Σe² − n(θ̄ − c)².
      const sums = new Float64Array(3);
      for (let part = 0, at = 0; part < thetas.length; at += thetas[part].length, part++) addShiftedSums(thetas[part], unit.subarray(at), centre, sums);
      const offset = sums[0] / count;
      const thetaMean = centre + offset;
      centre = thetaMean;
      const dot = sums[1] - offset * unitSum;
      const length = Math.sqrt(Math.max(0, sums[2] - count * offset * offset));
      const rho = dot / (length + 1e-12);
      if (gradients) {
        const grads = leadingValues(gradients, count);
        const along = -lambda / (length + 1e-12);
        const across = length > 0 ? (lambda * rho) / (length * (length + 1e-12)) : 0;
        for (let part = 0, at = 0; part < thetas.length; at += thetas[part].length, part++) addCorrelationGradient(thetas[part], unit.subarray(at), grads[part], along, unitMean, across, thetaMean);
      }
      return -lambda * rho;
    },
  };
  return { penalty, dispose: () => secret?.dispose() };
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
