/**
 * Equation-solving extraction of logistic models from confidence scores (Tramèr et al. 2016,
 * §4.1). Each answer of a binary logistic regression gives one linear equation in (w, b):
 * log(p₁ / p₀) = w·x + b; each answer of a softmax model gives k − 1: log(p_c / p₀) =
 * (w_c − w₀)·x + (b_c − b₀). With d + 1 random queries the system is solved exactly (least
 * squares through the pseudo-inverse, so one-hot groups that are collinear with the bias still
 * give a surrogate that agrees on every valid input). When the scores are rounded, or the model
 * is one-vs-rest (whose normalised scores are not linear in the logits), the attack minimises
 * the cross-entropy to the observed probabilities instead (§4.1.2).
 */

import { ThreatlabError } from '../../errors.ts';
import { pseudoInverseSolve } from '../../math/linalg.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { NORMAL_KERNEL_BYTES, normalMatrixKernel } from '../../math/wasm/normal-equations-kernel.ts';
import { LinearClassifier, type LinearLink } from '../../models/linear/linear-classifier.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { OracleInfo } from '../../oracle/types.ts';
import { coveringRows, unconstrainedColumns } from '../../metrics/sampling.ts';
import { columnNames } from '../../data/schema.ts';
import type { Attack } from '../types.ts';
import { probabilities, queryAll } from './answers.ts';
import { fitToProbabilities } from './soft-fit.ts';
import { withArticle } from '../../models/kind-article.ts';

/** Parameters of equation solving. */
export const EQUATION_SOLVING_PARAMS = {
  queries: { type: 'number', default: 0, min: 0, integer: true, doc: 'random queries (0: d + 1 for exact solving, one per unknown for loss minimisation)' },
  method: { type: 'choice', values: ['auto', 'exact', 'loss'] as const, default: 'auto', doc: 'exact equations (full scores) or loss minimisation (rounded scores, one-vs-rest)' },
} satisfies ParamSpecs;

/** What the attack returns. */
export interface ExtractionOutcome {
  surrogate: LinearClassifier;
  /** `exact` only when every unknown was determined by the equations; `partial` names what was not. */
  method: 'exact' | 'loss' | 'partial';
  unknowns: number;
  /** Encoded columns no query set (their weights stay 0 and the surrogate may disagree on rows that use them). */
  undetermined: string[];
  /** Answers whose probabilities were saturated (0 or 1 in float64), which give no log-ratio equation. */
  saturated?: number;
}

/** The linear link of an oracle's model, or an error naming the attacks that fit other models. */
export function linearLinkOf(info: OracleInfo): LinearLink {
  if (info.kind === 'logistic' || info.kind === 'softmax' || info.kind === 'ovr') return info.kind;
  throw new ThreatlabError('capability', `equation solving extracts logistic models; this oracle serves ${withArticle(info.kind)} model (use mlp-retraining, path-finding or a retraining attack)`);
}

/** Unknowns of a linear model over d features. */
export function unknownsOf(link: LinearLink, classes: number, d: number): number {
  return (link === 'logistic' ? 1 : classes) * (d + 1);
}

/** One class's log-ratio system: its normal equations, right-hand side and equations (rows answered). */
export interface LogRatioSystem {
  normal: Matrix;
  right: Float64Array;
  equations: number;
}

/**
 * The normal equations of log(p_c / p₀)(x_i) = θ·design_i + bias over the answered rows (a
 * saturated probability gives no equation), for each class c ≥ 1 (index c of the result; 0 is
 * empty): (d + 1) × (d + 1) for a design of d columns, the bias last. Shared by linear and kernel
 * equation solving. The loop's sums (`logRatioNormalEquationsLoop`) — each entry its rows' products in
 * turn, skipped where the row's value is 0 — the same bits, tested; but from 64 columns in
 * WebAssembly, a block of the matrix's rows at a time over all the design's rows so that the block
 * stays in the cache (`normalMatrixKernel`: the 1,001-square system of the 5-class kernel
 * reproduction took 9.8 s a class in the row-at-a-time loop), and once for every class
 * that answered on the same rows (each its own copy: callers change theirs).
 */
export function logRatioSystems(design: Matrix, observed: Matrix): LogRatioSystem[] {
  const { rows: n, cols: d } = design;
  const classes = observed.cols;
  const systems: LogRatioSystem[] = [];
  let shared: { answered: Uint8Array; normal: Float64Array } | undefined;
  for (let c = 1; c < classes; c++) {
    const targets = new Float64Array(n);
    const answered = new Uint8Array(n);
    let equations = 0;
    for (let i = 0; i < n; i++) {
      targets[i] = Math.log(observed.data[i * classes + c]) - Math.log(observed.data[i * classes]);
      if (Number.isFinite(targets[i])) {
        answered[i] = 1;
        equations += 1;
      }
    }
    if (!shared || !shared.answered.every((value, i) => value === answered[i])) shared = { answered, normal: normalMatrix(design, answered) };
    systems[c] = { normal: createMatrix(d + 1, d + 1, shared.normal.slice()), right: rightHandSide(design, answered, targets), equations };
  }
  return systems;
}

/** Σ_i row_i row_iᵀ over the answered rows (row_i: the design's row, then 1): in WebAssembly from 64 columns (up to `NORMAL_KERNEL_BYTES`), else in the loop. */
function normalMatrix(design: Matrix, answered: Uint8Array): Float64Array {
  const { rows: n, cols: d } = design;
  if (d + 1 >= 64 && 8 * (n * d + (d + 1) * (d + 1)) <= NORMAL_KERNEL_BYTES) return normalMatrixKernel(design.data, n, d, answered);
  return normalMatrixLoop(design, answered);
}

/** `normalMatrix` in JavaScript, for designs of fewer than 63 columns (the whole matrix in the cache). */
function normalMatrixLoop(design: Matrix, answered: Uint8Array): Float64Array {
  const { rows: n, cols: d } = design;
  const x = design.data;
  const width = d + 1;
  const normal = new Float64Array(width * width);
  for (let i = 0; i < n; i++) {
    if (!answered[i]) continue;
    const base = i * d;
    for (let a = 0; a < width; a++) {
      const value = a < d ? x[base + a] : 1;
      if (value === 0) continue;
      const out = a * width;
      for (let b = 0; b < d; b++) normal[out + b] += value * x[base + b];
      normal[out + d] += value * 1;
    }
  }
  return normal;
}

/** Σ_i row_i · target_i over the answered rows (skipped where the row's value is 0, as the normal matrix's products are). */
function rightHandSide(design: Matrix, answered: Uint8Array, targets: Float64Array): Float64Array {
  const { rows: n, cols: d } = design;
  const right = new Float64Array(d + 1);
  for (let i = 0; i < n; i++) {
    if (!answered[i]) continue;
    for (let a = 0; a < d; a++) {
      const value = design.data[i * d + a];
      if (value !== 0) right[a] += value * targets[i];
    }
    right[d] += 1 * targets[i];
  }
  return right;
}

/** One class's system, a row of the design at a time: what `logRatioSystems` is tested against. */
export function logRatioNormalEquationsLoop(design: Matrix, observed: Matrix, c: number): LogRatioSystem {
  const { rows: n, cols: d } = design;
  const classes = observed.cols;
  const normal = createMatrix(d + 1, d + 1);
  const right = new Float64Array(d + 1);
  const row = new Float64Array(d + 1);
  let equations = 0;
  for (let i = 0; i < n; i++) {
    const target = Math.log(observed.data[i * classes + c]) - Math.log(observed.data[i * classes]);
    if (!Number.isFinite(target)) continue;
    equations += 1;
    row.set(design.data.subarray(i * d, (i + 1) * d));
    row[d] = 1;
    for (let a = 0; a <= d; a++) {
      if (row[a] === 0) continue;
      right[a] += row[a] * target;
      for (let b = 0; b <= d; b++) normal.data[a * (d + 1) + b] += row[a] * row[b];
    }
  }
  return { normal, right, equations };
}

/** Solves log-ratio equations exactly: the weights of class c relative to class 0; `equations` is the fewest any class had. */
export function solveLogRatios(link: 'logistic' | 'softmax', x: Matrix, observed: Matrix): { weights: Matrix; biases: Float64Array; equations: number } {
  const d = x.cols;
  const classes = observed.cols;
  const scores = link === 'logistic' ? 1 : classes;
  const weights = createMatrix(scores, d);
  const biases = new Float64Array(scores);
  let fewest = x.rows;
  const systems = logRatioSystems(x, observed);
  for (let c = 1; c < classes; c++) {
    const { normal, right, equations } = systems[c];
    fewest = Math.min(fewest, equations);
    // Equilibrate the columns (a feature in the millions next to one-hot levels would otherwise
    // push the one-hot directions under the pseudo-inverse's cutoff), solve, and scale back.
    const scale = Float64Array.from({ length: d + 1 }, (_, a) => Math.sqrt(normal.data[a * (d + 1) + a]) || 1);
    for (let a = 0; a <= d; a++) {
      right[a] /= scale[a];
      for (let b = 0; b <= d; b++) normal.data[a * (d + 1) + b] /= scale[a] * scale[b];
    }
    const solution = pseudoInverseSolve(normal, right).map((value, a) => value / scale[a]);
    const row = link === 'logistic' ? 0 : c;
    weights.data.set(solution.subarray(0, d), row * d);
    biases[row] = solution[d];
  }
  return { weights, biases, equations: fewest };
}

/** Equation-solving extraction of logistic, softmax and one-vs-rest models. */
export const equationSolving: Attack<typeof EQUATION_SOLVING_PARAMS, ExtractionOutcome> = {
  name: 'equation-solving',
  family: 'extraction',
  needs: ['scores'],
  reference: 'Tramèr et al., Stealing Machine Learning Models via Prediction APIs, USENIX Security 2016, §4.1',
  params: EQUATION_SOLVING_PARAMS,
  async run({ oracle, rng }, params) {
    const info = oracle.info;
    const link = linearLinkOf(info);
    const d = info.inputSize;
    const classes = info.classes.length;
    const method = params.method !== 'auto' ? params.method : info.policy.kind === 'full' && link !== 'ovr' ? 'exact' : 'loss';
    if (method === 'exact' && link === 'ovr') {
      throw new ThreatlabError('validation', 'one-vs-rest scores are normalised sigmoids, not linear in the logits: use method=loss');
    }
    const unknowns = unknownsOf(link, classes, d);
    const count = params.queries > 0 ? params.queries : method === 'exact' ? d + 1 : unknowns;
    // Every one-hot level appears in some query, so every level's weight is in the equations.
    const x = coveringRows(info.schema, count, rng);
    const observed = probabilities(await queryAll(oracle, x), classes);
    let solved = method === 'exact' ? solveLogRatios(link as 'logistic' | 'softmax', x, observed) : { ...fitToProbabilities(link, x, observed), equations: count };
    let used: 'exact' | 'loss' = method;
    // A saturated answer (a probability 0 or 1 in float64) gives no equation; with fewer equations
    // than unknowns per class the system is not determined — in auto mode the same answers are
    // fitted by loss minimisation instead, and nothing is called exact that is not.
    const short = method === 'exact' && solved.equations < d + 1;
    if (short && params.method === 'auto') {
      solved = { ...fitToProbabilities(link, x, observed), equations: count };
      used = 'loss';
    }
    const { weights, biases } = solved;
    const names = columnNames(info.schema);
    const undetermined = unconstrainedColumns(x).map((j) => names[j]);
    const claimed = used === 'exact' && (undetermined.length > 0 || short) ? 'partial' : used;
    const saturated = countSaturated(observed);
    const surrogate = new LinearClassifier({ kind: link, classes: info.classes, schema: info.schema, weights, biases, params: { extractedBy: 'equation-solving', method: claimed, queries: count } });
    return { surrogate, method: claimed, unknowns, undetermined, saturated };
  },
};

/** Answers with a probability of exactly 0 or 1. */
function countSaturated(observed: Matrix): number {
  let count = 0;
  for (let i = 0; i < observed.rows; i++) {
    const row = observed.data.subarray(i * observed.cols, (i + 1) * observed.cols);
    if (row.some((p) => p <= 0 || p >= 1)) count++;
  }
  return count;
}
