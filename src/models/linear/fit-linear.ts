/**
 * Fits the scores of a linear classifier exactly (float64; Newton for few unknowns, else L-BFGS): scale the features
 * (optional), reduce to the row space when there are more features than rows, solve, map back,
 * and fold the scaling into the weights so that the fitted model is linear in the raw features,
 * as the extraction attacks assume.
 */

import { ColumnScaler, fitStandardScaler, withinUnitInterval } from '../../data/encoders/scaling.ts';
import { ValidationError } from '../../errors.ts';
import { gram } from '../../math/linalg.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { ParamSpecs, ParamValues } from '../params.ts';
import { DP_SGD_PARAMS } from '../../defenses/dp-sgd/params.ts';
import type { LinearLink } from './linear-classifier.ts';
import { rowSpaceOf } from './row-space.ts';
import { solveLogistic, solveLogisticInRowSpace, type LogisticSolution } from './solve-logistic.ts';
import { readDesign, scaleEntries } from './design-read.ts';

/** Parameters shared by the logistic family. */
export const LINEAR_PARAMS = {
  l2: { type: 'number', default: 1, min: 0, doc: 'L2 penalty on the weights (1 / C in scikit-learn)' },
  maxIterations: { type: 'number', default: 1000, min: 1, integer: true, doc: 'L-BFGS iterations at most' },
  tolerance: { type: 'number', default: 1e-6, above: 0, doc: 'stop when the largest entry of the gradient per training row is below this' },
  standardize: {
    type: 'boolean',
    default: true,
    doc: 'fit on standardised non-binary features, then fold the scaling into the weights — unless every feature already lies in [0, 1] (pixels, one-hot levels), which are fitted as they are; the model file records which was done',
  },
  standardizeUnitInputs: { type: 'boolean', default: false, doc: 'with standardize, scale features that all lie in [0, 1] too (as every linear model was fitted before 2026-12-06; shadow models of a file that says standardize=true are fitted so)' },
  solver: { type: 'choice', values: ['auto', 'newton', 'lbfgs'] as const, default: 'auto', doc: "Newton (exact Hessian, for up to 800 unknowns), L-BFGS, or auto: Newton where it suits" },
  ...DP_SGD_PARAMS,
  dpEpochs: { type: 'number', default: 30, min: 1, integer: true, doc: 'with DP-SGD: passes over the data' },
  dpBatchSize: { type: 'number', default: 256, min: 1, integer: true, doc: 'with DP-SGD: expected rows per step' },
  dpLearningRate: { type: 'number', default: 0.01, above: 0, doc: 'with DP-SGD: Adam step size' },
  dpMethod: { type: 'choice', values: ['dp-sgd', 'objective-perturbation'] as const, default: 'dp-sgd', doc: 'how dpEpsilon is met: DP-SGD, or objective perturbation (Chaudhuri et al. 2011; binary logistic only, pure ε-DP, penalty l2 / rows)' },
} satisfies ParamSpecs;

/** Validated parameters of the logistic family. */
export type LinearParams = ParamValues<typeof LINEAR_PARAMS>;

/** Largest row count for which the row-space reduction (an n × n eigendecomposition) is used. */
export const ROW_SPACE_MAX_ROWS = 2000;

/** Weights (scores × features) and biases, plus how the optimiser ended and whether the features were standardised. */
export interface LinearFit {
  weights: Matrix;
  biases: Float64Array;
  iterations: number;
  converged: boolean;
  standardized: boolean;
}

/**
 * Whether `params` standardise features whose values are `values` (every value, or every non-zero
 * one): not when all lie in [0, 1] unless `standardizeUnitInputs` says so. Standardising pixels
 * gives one lit in a handful of images a weight hundreds of times the others' once the scaling is
 * folded back: a softmax on MNIST fitted so read train / test accuracy 1.000 / 0.881 and DeepFool
 * turned its rows with a median L2 change of 0.070, against 0.979 / 0.900 and 0.372 unscaled.
 */
function scales(params: LinearParams, values: Float64Array): boolean {
  if (!params.standardize) return false;
  return params.standardizeUnitInputs || !withinUnitInterval(values);
}

/**
 * Fits the scores of `link` on features `x` with class `labels` in [0, classes). `checkValues`
 * rejects a matrix with a value that is not finite (models/validate.ts): called on `x` before the
 * row-space fit, and by the fit on entries only where its read of every value met one.
 */
export function fitLinearScores(link: LinearLink, x: Matrix, labels: Int32Array, classes: number, params: LinearParams, checkValues: (x: Matrix) => void, onIteration?: () => void): LinearFit {
  // Scale non-binary columns to unit variance when asked; 0/1 columns (one-hot levels) are left
  // alone, as scaling a rare level up would ruin the conditioning, and zeros stay zeros so one-hot
  // data stays sparse. Centre only for the row-space reduction, where it decouples the bias from
  // the leading eigen-direction. Both are folded back into the weights exactly.
  const reduce = x.cols > x.rows && x.rows <= ROW_SPACE_MAX_ROWS;
  if (reduce) {
    checkValues(x);
    return fitInRowSpace(link, x, labels, classes, params, onIteration);
  }
  return fitOnEntries(link, x, labels, classes, params, checkValues, onIteration);
}

/**
 * Uncentred, the solvers read the scaled rows only through their non-zero entries: x's read once
 * (design-read.ts) and scaled in place, without a dense scaled copy (20 MB for Adult, slow to
 * allocate here); the entries' lent arrays go back to the thread when the solve ends. That read
 * sees every value, so the values are checked there, not in a pass before (rows of a shadow's
 * source are read where they lie: each pass over them cost ~15% of a 2,000-row Adult fit).
 */
function fitOnEntries(link: LinearLink, x: Matrix, labels: Int32Array, classes: number, params: LinearParams, checkValues: (x: Matrix) => void, onIteration?: () => void): LinearFit {
  const read = readDesign(x);
  try {
    if (!read.finite) {
      checkValues(x);
      throw new ValidationError('cannot fit a linear model', [{ path: 'features', message: 'a value is not finite (NaN or ±Infinity); impute or drop missing values' }]);
    }
    const standardized = scales(params, read.entries.values);
    const factor = standardized ? read.factor : new Float64Array(x.cols).fill(1);
    const solution = solveLogistic(link, x, labels, classes, { ...params, onIteration, sparse: scaleEntries(read.entries, x.rows, factor) });
    return foldScaling(solution, solution.coefficients, factor, new Float64Array(x.cols), standardized);
  } finally {
    read.release();
  }
}

/** More features than rows: centred and scaled, solved exactly in the span of the rows. */
function fitInRowSpace(link: LinearLink, x: Matrix, labels: Int32Array, classes: number, params: LinearParams, onIteration?: () => void): LinearFit {
  const standard = fitStandardScaler(x);
  const binary = binaryColumns(x);
  const standardized = scales(params, x.data);
  const scaler = new ColumnScaler('standard', standard.offset, Float64Array.from(standard.factor, (f, j) => (standardized && !binary[j] ? f : 1)), 0);
  const scaled = scaler.transform(x);
  const solution = solveLogisticInRowSpace(link, rowSpaceOf(gram(scaled)), labels, classes, { ...params, onIteration });
  return foldScaling(solution, rowWeightsToFeatureWeights(solution.coefficients, scaled), scaler.factor, scaler.offset, standardized);
}

/** The weights and biases on x's own columns: the scaling (x ↦ (x − offset) · factor) folded back in, exactly. */
function foldScaling(solution: LogisticSolution, weights: Matrix, factor: Float64Array, offset: Float64Array, standardized: boolean): LinearFit {
  const d = weights.cols;
  const scores = solution.coefficients.rows;
  const biases = Float64Array.from(solution.biases);
  for (let c = 0; c < scores; c++) {
    for (let j = 0; j < d; j++) {
      weights.data[c * d + j] *= factor[j];
      biases[c] -= weights.data[c * d + j] * offset[j];
    }
  }
  return { weights, biases, iterations: solution.iterations, converged: solution.converged, standardized };
}

/** w_c = Xᵀ α_c for each score row. */
function rowWeightsToFeatureWeights(alpha: Matrix, x: Matrix): Matrix {
  const d = x.cols;
  const weights = createMatrix(alpha.rows, d);
  for (let c = 0; c < alpha.rows; c++) {
    const w = weights.data.subarray(c * d, (c + 1) * d);
    for (let i = 0; i < x.rows; i++) {
      const a = alpha.data[c * x.rows + i];
      if (a === 0) continue;
      for (let j = 0; j < d; j++) w[j] += a * x.data[i * d + j];
    }
  }
  return weights;
}

/** Columns whose values are all 0 or 1. */
function binaryColumns(x: Matrix): Uint8Array {
  const binary = new Uint8Array(x.cols).fill(1);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) {
      const value = x.data[i * x.cols + j];
      if (value !== 0 && value !== 1) binary[j] = 0;
    }
  }
  return binary;
}
