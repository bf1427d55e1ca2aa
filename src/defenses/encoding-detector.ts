/**
 * Detecting malicious training from θ alone — the question Song, Ristenpart and Shmatikov leave
 * open (CCS 2017, §7: "what about detecting bad training by analysing θ?"). Benign weights next
 * to each other in a layer's flat order (one input's weights to successive units) are nearly
 * independent; weights that hold an image inherit its smoothness. Two statistics, each the largest over
 * windows of 4,096 weights (a secret in part of θ is not diluted by the rest):
 * - lag-1 autocorrelation of the values (correlated-value encoding writes pixels in order);
 * - lag-8 autocorrelation of the signs (sign encoding writes 8 bits per pixel, so bit k of one
 *   pixel sits 8 weights from bit k of the next, and neighbouring pixels share their high bits).
 * A model is flagged when either exceeds the threshold. The premise holds for networks, whose
 * flat order is input-major; a linear model's weights run along its inputs (an image model's are
 * image templates, smooth by nature), so the audit reads networks only. LSB encoding of a compressed, encrypted
 * payload leaves low bits that look uniformly random, like a trained model's: no statistic of θ
 * can tell them apart, and we do not claim to.
 */

import { weightVector } from '../models/parameter-arrays.ts';
import type { Model } from '../models/types.ts';

/** The flag threshold: the 12 benign networks of `threatlab reproduce exfiltration` read ≤ 0.09, its 6 encoded ones ≥ 0.24. */
export const DETECTOR_THRESHOLD = 0.2;

/** The detector's reading of one model. */
export interface EncodingDetection {
  valueAutocorrelation: number;
  signAutocorrelation: number;
  flagged: boolean;
  threshold: number;
  /** Weights examined. */
  weights: number;
}

/** Autocorrelation of `values` at `lag`. */
export function autocorrelation(values: ArrayLike<number>, lag: number): number {
  const n = values.length;
  if (n <= lag + 1) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    denominator += d * d;
    if (i + lag < n) numerator += d * (values[i + lag] - mean);
  }
  return denominator > 0 ? numerator / denominator : 0;
}

/** Weights per window: the statistics are taken window by window and the largest kept, so a secret in part of θ is not diluted by the rest. */
export const DETECTOR_WINDOW = 4096;

/** Reads every window of the model's weights and flags an encoding. */
export function detectEncoding(model: Model, threshold = DETECTOR_THRESHOLD, window = DETECTOR_WINDOW): EncodingDetection {
  const theta = weightVector(model);
  let valueAutocorrelation = -Infinity;
  let signAutocorrelation = -Infinity;
  for (let start = 0; start < theta.length; start += window) {
    // The last window joins the one before it when short, so each holds ≥ one window of weights.
    const end = theta.length - (start + window) < window ? theta.length : start + window;
    const part = theta.subarray(start, end);
    valueAutocorrelation = Math.max(valueAutocorrelation, autocorrelation(part, 1));
    signAutocorrelation = Math.max(signAutocorrelation, autocorrelation(Float64Array.from(part, (v) => (v > 0 ? 1 : -1)), 8));
    if (end === theta.length) break;
  }
  return { valueAutocorrelation, signAutocorrelation, flagged: Math.max(valueAutocorrelation, signAutocorrelation) > threshold, threshold, weights: theta.length };
}
