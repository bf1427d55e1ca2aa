/**
 * Solves an L2-penalised logistic problem (binary, softmax or one-vs-rest) on a design matrix by
 * L-BFGS, optionally in the row space of a Gram or kernel matrix (see row-space.ts). Returns
 * coefficients on the design's columns — or, in the row space, weights α on the training rows.
 */

import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { sparseRows, type SparseRows } from '../../math/sparse-rows.ts';
import type { LinearLink } from './linear-classifier.ts';
import { minimizeNewton, newtonSuits } from './newton-logistic.ts';
import { binaryObjective, softmaxObjective } from './objectives.ts';
import type { RowSpace } from './row-space.ts';

/** Optimiser settings. */
export interface SolveOptions {
  l2: number;
  maxIterations: number;
  /** Largest gradient entry per training row at convergence. */
  tolerance: number;
  /** Called after every iteration (progress). */
  onIteration?: () => void;
  /** Newton (few unknowns), L-BFGS, or the suited one (auto, the default). */
  solver?: 'auto' | 'newton' | 'lbfgs';
  /** The design's non-zero entries, when the caller has them; `design` then gives only the shape (the solvers read rows through these entries). */
  sparse?: SparseRows;
}

/** Coefficients (scores × columns), biases, and how the optimiser ended. */
export interface LogisticSolution {
  coefficients: Matrix;
  biases: Float64Array;
  iterations: number;
  converged: boolean;
}

/** Number of score rows a link has. */
export function scoreCount(link: LinearLink, classes: number): number {
  return link === 'logistic' ? 1 : classes;
}

/** Solves on a design matrix directly. */
export function solveLogistic(link: LinearLink, design: Matrix, labels: Int32Array, classes: number, options: SolveOptions): LogisticSolution {
  return solveWithPenalty(link, design, labels, classes, options, options.l2);
}

/**
 * Solves in the row space: the columns of Φ are eigen-directions with ‖φ_c‖² = s_c, so the loss
 * curvature along c is about s_c / 4; dividing column c by h_c = √(s_c / 4 + l2) (and the penalty
 * by h_c²) leaves the optimum unchanged and makes the problem well conditioned for L-BFGS.
 * Returns weights α on the n training rows.
 */
export function solveLogisticInRowSpace(link: LinearLink, space: RowSpace, labels: Int32Array, classes: number, options: SolveOptions): LogisticSolution {
  const { design } = space;
  const scales = new Float64Array(design.cols);
  for (let i = 0; i < design.rows; i++) for (let j = 0; j < design.cols; j++) scales[j] += design.data[i * design.cols + j] ** 2;
  for (let j = 0; j < design.cols; j++) scales[j] = Math.sqrt(scales[j] / 4 + Math.max(options.l2, 1e-8));
  const conditioned = createMatrix(design.rows, design.cols);
  for (let i = 0; i < design.rows; i++) for (let j = 0; j < design.cols; j++) conditioned.data[i * design.cols + j] = design.data[i * design.cols + j] / scales[j];
  const penalty = Float64Array.from(scales, (h) => options.l2 / (h * h));
  const solution = solveWithPenalty(link, conditioned, labels, classes, options, penalty);
  const scores = solution.coefficients.rows;
  const alpha = createMatrix(scores, design.rows);
  for (let c = 0; c < scores; c++) {
    const beta = Float64Array.from(solution.coefficients.data.subarray(c * design.cols, (c + 1) * design.cols), (b, j) => b / scales[j]);
    alpha.data.set(space.toRowWeights(beta), c * design.rows);
  }
  return { ...solution, coefficients: alpha };
}

function solveWithPenalty(
  link: LinearLink,
  design: Matrix,
  labels: Int32Array,
  classes: number,
  options: SolveOptions,
  penalty: number | Float64Array,
): LogisticSolution {
  const scores = scoreCount(link, classes);
  const p = design.cols;
  const theta = new Float64Array(scores * (p + 1));
  const settings = { maxIterations: options.maxIterations, gradientTolerance: options.tolerance * design.rows, onIteration: options.onIteration && (() => options.onIteration!()) };
  let iterations = 0;
  let converged = true;
  const penaltyVector = typeof penalty === 'number' ? new Float64Array(p).fill(penalty) : penalty;
  // The design's non-zero entries, found once for the objectives, Newton's choice and its Hessian.
  const rows = options.sparse ?? sparseRows(design);
  const newton = (blocks: number) => options.solver === 'newton' || ((options.solver ?? 'auto') === 'auto' && newtonSuits(design, blocks, rows));
  if (link === 'softmax') {
    const objective = softmaxObjective(design, labels, classes, penalty, rows);
    const result = (newton(classes) && minimizeNewton(design, { labels, classes }, penaltyVector, settings, rows)) || minimizeLbfgs(objective, theta, settings);
    theta.set(result.x);
    iterations = result.iterations;
    converged = result.converged;
  } else {
    for (let c = 0; c < scores; c++) {
      const target = link === 'logistic' ? 1 : c;
      const positive = Uint8Array.from(labels, (label) => (label === target ? 1 : 0));
      const objective = binaryObjective(design, positive, penalty, rows);
      const result = (newton(1) && minimizeNewton(design, { positive }, penaltyVector, settings, rows)) || minimizeLbfgs(objective, new Float64Array(p + 1), settings);
      theta.set(result.x, c * (p + 1));
      iterations = Math.max(iterations, result.iterations);
      converged &&= result.converged;
    }
  }
  const coefficients = createMatrix(scores, p);
  const biases = new Float64Array(scores);
  for (let c = 0; c < scores; c++) {
    coefficients.data.set(theta.subarray(c * (p + 1), c * (p + 1) + p), c * p);
    biases[c] = theta[c * (p + 1) + p];
  }
  return { coefficients, biases, iterations, converged };
}
