/**
 * Differentially private PCA as Abadi et al. (CCS 2016, §4 "DP PCA") use it before DP-SGD on
 * MNIST: each training row scaled to unit L2 norm, the covariance A = Σ x xᵀ released with
 * Gaussian noise added to every entry of its upper triangle (mirrored, so it stays symmetric),
 * and the top principal directions of the noisy matrix taken as a fixed linear projection of the
 * inputs. Adding or removing one row moves A by x xᵀ, whose upper triangle has L2 norm at most
 * ‖x‖² = 1: a Gaussian mechanism of sensitivity 1 with noise multiplier σ_p, composed with the
 * DP-SGD run in RDP (`fullDataGaussians` of the accountant). This is "Analyze Gauss" (Dwork,
 * Talwar, Thakurta and Zhang, STOC 2014) on the whole training set.
 */

import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { symmetricEigen } from '../../math/linalg.ts';
import type { Rng } from '../../random.ts';

/** A DP projection and what it spent. */
export interface DpProjection {
  /** cols × dims: row `x` maps to `x · projection`. */
  projection: Matrix;
  /** The noise multiplier of the covariance release (sensitivity 1). */
  noiseMultiplier: number;
}

/** The top `dims` principal directions of `features`' rows (unit-normed), released with noise σ_p. */
export function dpPca(features: Matrix, dims: number, noiseMultiplier: number, rng: Rng): DpProjection {
  const d = features.cols;
  if (!(dims >= 1 && dims <= d)) throw new ValidationError('cannot run DP-PCA', [{ path: 'dims', message: `${dims}: give 1 to ${d} dimensions` }]);
  if (!(noiseMultiplier > 0)) throw new ValidationError('cannot run DP-PCA', [{ path: 'noiseMultiplier', message: `${noiseMultiplier}: give σ_p > 0 (Abadi et al. use 4, 7 and 16)` }]);
  const covariance = unitCovariance(features);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const value = covariance.data[i * d + j] + noiseMultiplier * rng.normal();
      covariance.data[i * d + j] = value;
      covariance.data[j * d + i] = value;
    }
  }
  return { projection: topDirections(covariance, dims), noiseMultiplier };
}

/** PCA without privacy, on the same unit-normed rows: the non-private baseline of the pipeline. */
export function pcaProjection(features: Matrix, dims: number): Matrix {
  return topDirections(unitCovariance(features), dims);
}

function topDirections(covariance: Matrix, dims: number): Matrix {
  const d = covariance.cols;
  const { vectors } = symmetricEigen(covariance);
  const projection = createMatrix(d, dims);
  for (let i = 0; i < d; i++) for (let k = 0; k < dims; k++) projection.data[i * dims + k] = vectors.data[i * d + k];
  return projection;
}

/** Σ x xᵀ over the rows scaled to unit L2 norm (rows of zeros add nothing). */
function unitCovariance(features: Matrix): Matrix {
  const d = features.cols;
  const covariance = createMatrix(d, d);
  const unit = new Float64Array(d);
  const indices = new Int32Array(d);
  for (let r = 0; r < features.rows; r++) {
    const row = features.data.subarray(r * d, (r + 1) * d);
    let norm = 0;
    for (let j = 0; j < d; j++) norm += row[j] * row[j];
    if (norm === 0) continue;
    const scale = 1 / Math.sqrt(norm);
    let nonZero = 0;
    for (let j = 0; j < d; j++) {
      unit[j] = row[j] * scale;
      if (unit[j] !== 0) indices[nonZero++] = j;
    }
    // Upper triangle only, over the row's non-zero entries (most MNIST pixels are 0); mirrored below.
    for (let a = 0; a < nonZero; a++) {
      const i = indices[a];
      const vi = unit[i];
      const offset = i * d;
      for (let b = a; b < nonZero; b++) covariance.data[offset + indices[b]] += vi * unit[indices[b]];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) covariance.data[i * d + j] = covariance.data[j * d + i];
  return covariance;
}
