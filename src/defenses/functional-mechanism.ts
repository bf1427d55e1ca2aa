/**
 * The functional mechanism for linear regression (Zhang, Zhang, Xiao, Yang and Winslett, VLDB
 * 2012) — the differentially private dose model Fredrikson et al. (USENIX Security 2014, §5)
 * measured against warfarin genotype inversion. The least-squares objective Σᵢ (yᵢ − xᵢᵀw)² is a
 * polynomial in w with coefficients Σᵢ xᵢxᵢᵀ, −2Σᵢ yᵢxᵢ and Σᵢ yᵢ²; each coefficient gets
 * Laplace noise of scale Δ/ε, Δ = 2(1 + 2d + d²) for features and target in [−1, 1] (d counts
 * the bias column), and the noisy objective is minimised. Its quadratic part may stop being
 * positive definite: directions whose curvature is not above the noise scale are trimmed
 * (Zhang et al. §5.2, spectral trimming). Pure ε-DP.
 *
 * Features and target are mapped to [−1, 1] by their ranges in the data set's schema, which
 * the mechanism treats as public bounds (as Fredrikson et al. did); the model is written back
 * in the raw units.
 */

import { ValidationError } from '../errors.ts';
import { symmetricEigen } from '../math/linalg.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import type { Rng } from '../random.ts';

/** Ranges each column and the target are scaled by (min = max: the column is ignored). */
export interface PublicBounds {
  lower: Float64Array;
  upper: Float64Array;
  target: [number, number];
}

function laplace(rng: Rng, scale: number): number {
  const u = rng.uniform() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** Weights and bias in raw units of an ε-DP least-squares fit. */
export function functionalMechanismFit(features: Matrix, targets: Float64Array, bounds: PublicBounds, epsilon: number, rng: Rng): { weights: Float64Array; bias: number } {
  if (!(epsilon > 0)) throw new ValidationError('cannot fit with the functional mechanism', [{ path: 'dpEpsilon', message: `${epsilon}: give ε > 0` }]);
  const { rows: n, cols: d } = features;
  const width = d + 1;
  const slope = Float64Array.from({ length: d }, (_, j) => (bounds.upper[j] > bounds.lower[j] ? 2 / (bounds.upper[j] - bounds.lower[j]) : 0));
  const shift = Float64Array.from({ length: d }, (_, j) => (slope[j] === 0 ? 0 : -bounds.lower[j] * slope[j] - 1));
  const [low, high] = bounds.target;
  const targetSlope = high > low ? 2 / (high - low) : 1;
  const quadratic = createMatrix(width, width);
  const linear = new Float64Array(width);
  const row = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = Math.max(-1, Math.min(1, slope[j] * features.data[i * d + j] + shift[j]));
    row[d] = 1;
    const y = Math.max(-1, Math.min(1, targetSlope * (targets[i] - low) - 1));
    for (let j = 0; j < width; j++) {
      linear[j] += -2 * y * row[j];
      for (let k = 0; k <= j; k++) quadratic.data[j * width + k] += row[j] * row[k];
    }
  }
  const scale = (2 * (1 + 2 * width + width * width)) / epsilon;
  for (let j = 0; j < width; j++) {
    linear[j] += laplace(rng, scale);
    for (let k = 0; k <= j; k++) {
      quadratic.data[j * width + k] += laplace(rng, scale);
      quadratic.data[k * width + j] = quadratic.data[j * width + k];
    }
  }
  // Minimise wᵀQw + bᵀw over the directions of Q whose curvature exceeds the noise scale: w = −½ Σ q (qᵀb) / λ.
  const { values, vectors } = symmetricEigen(quadratic);
  const w = new Float64Array(width);
  for (let k = 0; k < width; k++) {
    if (!(values[k] > scale)) continue;
    let projection = 0;
    for (let j = 0; j < width; j++) projection += vectors.data[j * width + k] * linear[j];
    for (let j = 0; j < width; j++) w[j] += (-0.5 * vectors.data[j * width + k] * projection) / values[k];
  }
  // Back to raw units: y = low + (y' + 1)/targetSlope with y' = Σ wⱼ(slopeⱼ xⱼ + shiftⱼ) + w_d.
  const weights = Float64Array.from({ length: d }, (_, j) => (w[j] * slope[j]) / targetSlope);
  let bias = w[d];
  for (let j = 0; j < d; j++) bias += w[j] * shift[j];
  return { weights, bias: low + (bias + 1) / targetSlope };
}
