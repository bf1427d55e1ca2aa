/**
 * Fits the scores of a linear classifier by L-BFGS on the exact penalised logistic loss, in
 * float64: centre the features and standardise them (optional), reduce to the row space when there are more
 * features than rows, solve, map back, and fold the scaling into the weights so that the
 * fitted model is linear in the raw features, as the attacks assume.
 */

import { ColumnScaler, fitStandardScaler } from '../../data/encoders/scaling.ts';
import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { gram } from '../../math/linalg.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { ParamSpecs, ParamValues } from '../params.ts';
import type { LinearLink } from './linear-classifier.ts';
import { binaryObjective, softmaxObjective } from './objectives.ts';
import { rowSpaceOf, type RowSpace } from './row-space.ts';

/** Parameters shared by the logistic family. */
export const LINEAR_PARAMS = {
  l2: { type: 'number', default: 1, min: 0, doc: 'L2 penalty on the weights (1 / C in scikit-learn)' },
  maxIterations: { type: 'number', default: 1000, min: 1, integer: true, doc: 'L-BFGS iterations at most' },
  tolerance: { type: 'number', default: 1e-6, above: 0, doc: 'stop when the largest entry of the gradient per training row is below this' },
  standardize: { type: 'boolean', default: true, doc: 'fit on standardised features, then fold the scaling into the weights' },
} satisfies ParamSpecs;

/** Validated parameters of the logistic family. */
export type LinearParams = ParamValues<typeof LINEAR_PARAMS>;

/** Largest row count for which the row-space reduction (an n × n eigendecomposition) is used. */
export const ROW_SPACE_MAX_ROWS = 2000;

/** Weights (scores × features) and biases, plus how the optimiser ended. */
export interface LinearFit {
  weights: Matrix;
  biases: Float64Array;
  iterations: number;
  converged: boolean;
}

/** Fits the scores of `link` on features `x` with class `labels` in [0, classes). */
export function fitLinearScores(link: LinearLink, x: Matrix, labels: Int32Array, classes: number, params: LinearParams): LinearFit {
  // Scale non-binary columns to unit variance when asked (0/1 columns such as one-hot levels are
  // left alone: scaling a rare level up would ruin the conditioning). Zeros stay zeros, so one-hot
  // data stays sparse. Centre
  // only for the row-space reduction, where it decouples the bias from the leading eigen-direction.
  // Both are folded back into the weights exactly.
  const reduce = x.cols > x.rows && x.rows <= ROW_SPACE_MAX_ROWS;
  const standard = fitStandardScaler(x);
  const offset = reduce ? standard.offset : new Float64Array(x.cols);
  const binary = binaryColumns(x);
  const factor = Float64Array.from(standard.factor, (f, j) => (params.standardize && !binary[j] ? f : 1));
  const scaler = new ColumnScaler('standard', offset, factor, 0);
  const scaled = scaler.transform(x);
  const reduction: RowSpace | undefined = reduce ? rowSpaceOf(gram(scaled)) : undefined;
  // In the row space the columns are eigen-directions with ‖φ_c‖² = s_c: the loss curvature along
  // c is about s_c / 4, so dividing column c by √(s_c / 4 + l2) makes the problem well conditioned
  // for L-BFGS (the penalty is rescaled to match, so the optimum is unchanged).
  const preconditioner = reduction ? columnPreconditioner(reduction.design, params.l2) : undefined;
  const design = reduction ? scaleColumns(reduction.design, preconditioner!) : scaled;
  const penalty = preconditioner ? Float64Array.from(preconditioner, (h) => params.l2 / (h * h)) : params.l2;
  const scores = link === 'logistic' ? 1 : classes;
  const p = design.cols;
  const theta = new Float64Array(scores * (p + 1));
  const options = { maxIterations: params.maxIterations, gradientTolerance: params.tolerance * x.rows };
  let iterations = 0;
  let converged = true;
  if (link === 'softmax') {
    const result = minimizeLbfgs(softmaxObjective(design, labels, classes, penalty), theta, options);
    theta.set(result.x);
    iterations = result.iterations;
    converged = result.converged;
  } else {
    for (let c = 0; c < scores; c++) {
      const target = link === 'logistic' ? 1 : c;
      const positive = Uint8Array.from(labels, (label) => (label === target ? 1 : 0));
      const result = minimizeLbfgs(binaryObjective(design, positive, penalty), new Float64Array(p + 1), options);
      theta.set(result.x, c * (p + 1));
      iterations = Math.max(iterations, result.iterations);
      converged &&= result.converged;
    }
  }
  const d = x.cols;
  const weights = createMatrix(scores, d);
  const biases = new Float64Array(scores);
  for (let c = 0; c < scores; c++) {
    const coefficients = theta.slice(c * (p + 1), c * (p + 1) + p);
    if (preconditioner) for (let j = 0; j < p; j++) coefficients[j] /= preconditioner[j];
    const w = weights.data.subarray(c * d, (c + 1) * d);
    if (reduction) {
      const alpha = reduction.toRowWeights(coefficients);
      for (let i = 0; i < scaled.rows; i++) {
        if (alpha[i] === 0) continue;
        const row = i * d;
        for (let j = 0; j < d; j++) w[j] += alpha[i] * scaled.data[row + j];
      }
    } else {
      w.set(coefficients);
    }
    let bias = theta[c * (p + 1) + p];
    for (let j = 0; j < d; j++) {
      w[j] *= scaler.factor[j];
      bias -= w[j] * scaler.offset[j];
    }
    biases[c] = bias;
  }
  return { weights, biases, iterations, converged };
}

/** √(‖column‖² / 4 + l2) per column: the scale that equalises curvature across columns. */
function columnPreconditioner(design: Matrix, l2: number): Float64Array {
  const squares = new Float64Array(design.cols);
  for (let i = 0; i < design.rows; i++) for (let j = 0; j < design.cols; j++) squares[j] += design.data[i * design.cols + j] ** 2;
  return Float64Array.from(squares, (s) => Math.sqrt(s / 4 + Math.max(l2, 1e-8)));
}

/** The design with each column divided by its scale. */
function scaleColumns(design: Matrix, scales: Float64Array): Matrix {
  const out = createMatrix(design.rows, design.cols);
  for (let i = 0; i < design.rows; i++) for (let j = 0; j < design.cols; j++) out.data[i * design.cols + j] = design.data[i * design.cols + j] / scales[j];
  return out;
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
