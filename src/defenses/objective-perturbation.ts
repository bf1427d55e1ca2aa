/**
 * Objective perturbation for L2-regularised binary logistic regression (Chaudhuri, Monteleoni
 * and Sarwate, "Differentially private empirical risk minimization", JMLR 2011, Algorithm 2):
 * minimise (1/n) Σ log(1 + e^{−yᵢ wᵀxᵢ}) + (Λ/2)‖w‖² + bᵀw / n + (Δ/2)‖w‖², with b drawn from
 * the density ∝ exp(−ε′‖b‖/2) (its norm Gamma(d, 2/ε′), its direction uniform) and
 * ε′ = ε − log(1 + 2c/(nΛ) + c²/(n²Λ²)), c = 1/4; when ε′ ≤ 0 the extra ridge Δ makes up for it
 * and ε′ = ε/2. Pure ε-DP when every row has norm ≤ 1.
 *
 * The norm bound is met without looking at the rows: each column is mapped to [−1, 1] by its
 * schema range, a bias column is appended, and every row is divided by the largest norm such a
 * row can have (√(numeric columns + categorical features + 1): a one-hot group holds one 1). The
 * fitted weights are written back in raw units.
 */

import { columnLayout, type FeatureSchema } from '../data/schema.ts';
import { ValidationError } from '../errors.ts';
import { minimizeLbfgs } from '../math/lbfgs.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Rng } from '../random.ts';

/** The logistic loss's second-derivative bound. */
const C = 0.25;

/** Each encoded column's affine map to [−1, 1] and the rows' worst-case norm, from the schema. */
function publicScaling(schema: FeatureSchema, cols: number): { slope: Float64Array; shift: Float64Array; norm: number } {
  const slope = new Float64Array(cols).fill(1);
  const shift = new Float64Array(cols);
  let squared = 1; // the bias column
  for (const { feature, start } of columnLayout(schema)) {
    squared += 1;
    if (feature.kind === 'numeric') {
      const span = feature.max - feature.min;
      slope[start] = span > 0 ? 2 / span : 0;
      shift[start] = span > 0 ? -feature.min * slope[start] - 1 : 0;
    } else if (feature.encoding !== 'one-hot') {
      const span = feature.levels.length - 1;
      slope[start] = span > 0 ? 2 / span : 0;
      shift[start] = span > 0 ? -1 : 0;
    }
  }
  return { slope, shift, norm: Math.sqrt(squared) };
}

/** Weights and bias (raw units) of an ε-DP logistic regression; `labels` are 0/1, `lambda` the per-row ridge Λ. */
export function objectivePerturbationFit(features: Matrix, labels: Int32Array, schema: FeatureSchema, epsilon: number, lambda: number, rng: Rng): { weights: Float64Array; bias: number; extraRidge: number } {
  const { rows: n, cols: d } = features;
  if (!(epsilon > 0)) throw new ValidationError('cannot fit with objective perturbation', [{ path: 'dpEpsilon', message: `${epsilon}: give ε > 0` }]);
  if (!(lambda > 0)) throw new ValidationError('cannot fit with objective perturbation', [{ path: 'l2', message: 'objective perturbation needs a ridge penalty > 0' }]);
  const { slope, shift, norm } = publicScaling(schema, d);
  const width = d + 1;
  const x = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * width + j] = Math.max(-1, Math.min(1, slope[j] * features.data[i * d + j] + shift[j])) / norm;
    x[i * width + d] = 1 / norm;
  }
  let privateEpsilon = epsilon - Math.log(1 + (2 * C) / (n * lambda) + (C * C) / (n * n * lambda * lambda));
  let extraRidge = 0;
  if (!(privateEpsilon > 0)) {
    extraRidge = C / (n * (Math.exp(epsilon / 4) - 1)) - lambda;
    privateEpsilon = epsilon / 2;
  }
  // b: norm ~ Gamma(width, 2/ε′) (a sum of exponentials), direction uniform on the sphere.
  let length = 0;
  for (let k = 0; k < width; k++) length -= (2 / privateEpsilon) * Math.log(1 - rng.uniform());
  const direction = Float64Array.from({ length: width }, () => rng.normal());
  const directionNorm = Math.hypot(...direction);
  const b = direction.map((v) => (v / directionNorm) * length);
  const ridge = lambda + extraRidge;
  const objective = (w: Float64Array, gradient: Float64Array): number => {
    let value = 0;
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      const sign = labels[i] === 1 ? 1 : -1;
      let margin = 0;
      for (let j = 0; j < width; j++) margin += w[j] * x[i * width + j];
      const z = sign * margin;
      value += (z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))) / n;
      const slopeOfLoss = -sign / (1 + Math.exp(z)) / n;
      for (let j = 0; j < width; j++) gradient[j] += slopeOfLoss * x[i * width + j];
    }
    for (let j = 0; j < width; j++) {
      value += (ridge / 2) * w[j] * w[j] + (b[j] * w[j]) / n;
      gradient[j] += ridge * w[j] + b[j] / n;
    }
    return value;
  };
  const solution = minimizeLbfgs(objective, new Float64Array(width), { maxIterations: 500, gradientTolerance: 1e-9 }).x;
  const weights = Float64Array.from({ length: d }, (_, j) => (solution[j] * slope[j]) / norm);
  let bias = solution[d] / norm;
  for (let j = 0; j < d; j++) bias += (solution[j] * shift[j]) / norm;
  return { weights, bias, extraRidge };
}
