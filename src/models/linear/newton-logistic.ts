/**
 * Newton's method for the penalised logistic losses of objectives.ts (binary and softmax), for
 * problems with few unknowns: the exact Hessian (the IRLS weights p_c(δ_cc' − p_c') times φφᵀ,
 * built on each row's non-zero entries) solved by Cholesky, with a backtracking line search on
 * the loss. It converges in tens of iterations where L-BFGS needs hundreds (or stops at its cap)
 * on the same problem, to the same optimum. L-BFGS stays for many unknowns and the row space.
 */

import { choleskySolve } from '../../math/linalg.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { sparseRows, type SparseRows } from '../../math/sparse-rows.ts';
import { softmaxInPlace } from './objectives.ts';
import { hessianKernelFor } from '../../math/wasm/hessian-kernel.ts';

/**
 * `rows` (the design's non-zero entries) with the bias appended to each row as column p (the
 * design's column count), written into `into` (room for them: entries + a bias a row) — where the
 * Hessian kernel reads them. Nothing after the loop: V8 optimises the loop in flight, and a
 * statement after it not yet run sent each fit back to the interpreter there (59 times in 60 fits).
 */
function withBias(design: Matrix, rows: SparseRows, into: SparseRows): void {
  const count = design.rows;
  const { start, columns, values } = into;
  start[count] = rows.start[count] + count;
  let k = 0;
  for (let i = 0; i < count; i++) {
    start[i] = k;
    for (let e = rows.start[i]; e < rows.start[i + 1]; e++) {
      columns[k] = rows.columns[e];
      values[k++] = rows.values[e];
    }
    columns[k] = design.cols;
    values[k++] = 1;
  }
}

/** Multiply-adds of one Hessian: rows × (non-zeros per row)² × blocks². */
export function hessianWork(design: Matrix, blocks: number, rows: SparseRows = sparseRows(design)): number {
  const perRow = rows.values.length / Math.max(1, design.rows) + 1;
  return design.rows * perRow * perRow * blocks * blocks;
}

/**
 * Whether Newton suits a problem: few unknowns, an affordable Hessian, and a solve not far dearer
 * than L-BFGS's. A Newton iteration builds the Hessian and factors it (unknowns³ / 3); an L-BFGS
 * one takes a gradient (rows × non-zeros per row × blocks, forward and back). Newton's ~15
 * iterations against L-BFGS's few hundred favour Newton while the Hessian is small beside the rows
 * (Adult's binary 109 unknowns: ~0.4× L-BFGS's work; iris) — not for many classes of dense
 * features: a 10-class softmax on 640 rows of 8 × 8 digits (650 unknowns) is ~20× L-BFGS's work,
 * and an audit's retraining surrogate refitted it 20 times (30 s of 31).
 */
export function newtonSuits(design: Matrix, blocks: number, rows: SparseRows = sparseRows(design)): boolean {
  const unknowns = blocks * (design.cols + 1);
  if (unknowns > NEWTON_MAX_UNKNOWNS) return false;
  const hessian = hessianWork(design, blocks, rows);
  if (hessian > NEWTON_MAX_HESSIAN_WORK) return false;
  const newton = NEWTON_ITERATIONS * (hessian + unknowns ** 3 / 3);
  const lbfgs = LBFGS_ITERATIONS * 2 * (rows.values.length + design.rows) * blocks;
  return newton <= NEWTON_MARGIN * lbfgs;
}

/** Iterations a Newton solve and an L-BFGS solve typically take here (the cost model of `newtonSuits`). */
const NEWTON_ITERATIONS = 15;
const LBFGS_ITERATIONS = 300;
/** How much more work than L-BFGS's Newton may take and still be chosen (it reaches the optimum more tightly). */
const NEWTON_MARGIN = 4;

/** Largest number of unknowns solved by Newton (a dense Cholesky of this size takes ~0.1 s). */
export const NEWTON_MAX_UNKNOWNS = 800;
/** Largest Hessian work per iteration (multiply-adds) for Newton. */
export const NEWTON_MAX_HESSIAN_WORK = 5e8;

/** Loss and gradient at θ, with the Hessian left in `hessian`; `positive` given: binary, else softmax with `classes` blocks. */
interface SecondOrder {
  evaluate(theta: Float64Array, gradient: Float64Array): number;
  /** blocks·(p + 1) square, written by `evaluate` (a view of the Hessian kernel's memory). */
  hessian: Float64Array;
}

function secondOrder(design: Matrix, nonZeros: SparseRows, labels: Int32Array, classes: number, positive: Uint8Array | undefined, penalty: Float64Array): SecondOrder & { rows: number } {
  const p = design.cols;
  const stride = p + 1;
  const blocks = positive ? 1 : classes;
  const size = blocks * stride;
  const triangle = (blocks * (blocks + 1)) / 2;
  const probabilities = new Float64Array(classes);
  // The rows with their bias are written where the kernel reads them. A chunk of rows at a time, the
  // kernel gives their scores at θ; this loop turns them into the loss, the residuals (written over
  // the scores) and the IRLS weights; the kernel adds the residuals' gradient and each row's weighted
  // outer products (the lower triangle) to the Hessian — the sums in the order the JavaScript loop
  // made them (a row's gathers through its columns took ~2 of a 2,000-row Adult shadow's ~5 ms).
  const kernel = hessianKernelFor(design.rows, nonZeros.values.length + design.rows, blocks, stride);
  withBias(design, nonZeros, kernel.rows);
  const rows = design.rows;
  const { hessian, weights, chunkRows, scores } = kernel;
  const evaluate = (theta: Float64Array, gradient: Float64Array): number => {
    kernel.theta.set(theta);
    kernel.gradient.fill(0);
    hessian.fill(0);
    let loss = 0;
    for (let first = 0; first < rows; first += chunkRows) {
      const end = Math.min(rows, first + chunkRows);
      // Each row's scores at θ, from the kernel; each row's residuals written over them, for its gradient.
      kernel.score(first, end);
      for (let i = first; i < end; i++) {
        const at = (i - first) * triangle;
        if (positive) {
          const z = scores[i - first];
          const sign = positive[i] ? 1 : -1;
          const margin = sign * z;
          loss += margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
          const sigma = 1 / (1 + Math.exp(-z));
          scores[i - first] = sigma - (positive[i] ? 1 : 0);
          weights[at] = sigma * (1 - sigma);
          continue;
        }
        const own = (i - first) * classes;
        for (let c = 0; c < classes; c++) probabilities[c] = scores[own + c];
        const label = labels[i];
        loss += softmaxInPlace(probabilities, classes, label);
        for (let c = 0; c < classes; c++) {
          scores[own + c] = probabilities[c] - (c === label ? 1 : 0);
          for (let d = 0; d <= c; d++) weights[at + (c * (c + 1)) / 2 + d] = probabilities[c] * ((c === d ? 1 : 0) - probabilities[d]);
        }
      }
      kernel.scatter(first, end);
      kernel.accumulate(first, end);
    }
    gradient.set(kernel.gradient);
    // Mirror the lower triangle, then the penalty on the weights (not the biases).
    // Rows hold their columns in increasing order (the bias last), so every entry above was added
    // to the lower triangle (row ≥ column), once per pair.
    for (let a = 0; a < size; a++) for (let b = 0; b < a; b++) hessian[b * size + a] = hessian[a * size + b];
    for (let block = 0; block < blocks; block++) {
      for (let j = 0; j < p; j++) {
        const index = block * stride + j;
        loss += 0.5 * penalty[j] * theta[index] * theta[index];
        gradient[index] += penalty[j] * theta[index];
        hessian[index * size + index] += penalty[j];
      }
    }
    return loss;
  };
  return { evaluate, hessian, rows };
}

/** How a Newton run ended. */
export interface NewtonResult {
  x: Float64Array;
  iterations: number;
  converged: boolean;
}

/**
 * Minimises a binary (`positive` given) or softmax loss by damped Newton; stops when every gradient
 * entry is within `gradientTolerance`. The line search evaluates each trial point with its gradient
 * and Hessian at once: the point it accepts (a full step nearly always) is where the next iteration
 * starts, with nothing computed again there (it evaluated each trial's loss alone, then the
 * accepted point whole again: the rows read twice an iteration). Returns undefined when the Hessian
 * cannot be factored (no penalty on separable data): the caller falls back to L-BFGS.
 */
export function minimizeNewton(
  design: Matrix,
  target: { labels: Int32Array; classes: number } | { positive: Uint8Array },
  penalty: Float64Array,
  options: { maxIterations: number; gradientTolerance: number; onIteration?: () => void },
  nonZeros: SparseRows = sparseRows(design),
): NewtonResult | undefined {
  const positive = 'positive' in target ? target.positive : undefined;
  const classes = 'classes' in target ? target.classes : 2;
  const blocks = positive ? 1 : classes;
  const size = blocks * (design.cols + 1);
  const { evaluate, hessian, rows } = secondOrder(design, nonZeros, 'labels' in target ? target.labels : new Int32Array(0), classes, positive, penalty);
  let x = new Float64Array(size);
  let gradient = new Float64Array(size);
  let trial = new Float64Array(size);
  let trialGradient = new Float64Array(size);
  let loss = evaluate(x, gradient);
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    let largest = 0;
    for (const g of gradient) largest = Math.max(largest, Math.abs(g));
    if (largest <= options.gradientTolerance) return { x, iterations: iteration, converged: true };
    // The softmax loss is flat along "add one constant to every bias": a tiny ridge keeps the factorisation definite.
    const ridge = 1e-10 * Math.max(1, rows);
    for (let a = 0; a < size; a++) hessian[a * size + a] += ridge;
    let step: Float64Array;
    try {
      step = choleskySolve(createMatrix(size, size, hessian), gradient);
    } catch {
      return undefined;
    }
    let slope = 0;
    for (let a = 0; a < size; a++) slope -= gradient[a] * step[a];
    let t = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 40; halvings++) {
      for (let a = 0; a < size; a++) trial[a] = x[a] - t * step[a];
      const trialLoss = evaluate(trial, trialGradient);
      if (trialLoss <= loss + 1e-4 * t * slope) {
        [x, trial] = [trial, x];
        [gradient, trialGradient] = [trialGradient, gradient];
        loss = trialLoss;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) return { x, iterations: iteration, converged: false };
    options.onIteration?.();
  }
  return { x, iterations: options.maxIterations, converged: false };
}
