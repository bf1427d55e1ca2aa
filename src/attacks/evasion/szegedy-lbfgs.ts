/**
 * Szegedy et al.'s box-constrained L-BFGS attack ("Intriguing properties of neural networks",
 * ICLR 2014, §4.1): minimise c·‖r‖₂² + loss_f(x + r, l) subject to x + r in the box, and
 * line-search c for the largest c (the smallest perturbation) whose minimiser r still makes
 * f(x + r) = l. The box is kept by the change of variables x + r = lo + (hi − lo)·(tanh w + 1)/2
 * (Carlini & Wagner's device, equivalent to the box constraint), so float64 L-BFGS
 * (src/math/lbfgs.ts) runs unconstrained for each row (each row its own c and its own
 * curvature). loss_f is the cross-entropy of the target l; untargeted, l is the row's runner-up
 * class at x (the nearest other class by score). Gradients are float32: where the model has a
 * graph, the rows' solves run side by side and the evaluations they ask for in one turn of the
 * event loop are one onnxruntime call (cross-entropy-gradient.ts); else tfjs's, a row at a time.
 */

import { tf } from '../../backend/tf.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { minimizeLbfgsAsync } from '../../math/lbfgs.ts';
import type { CrossEntropyGradient } from './cross-entropy-gradient.ts';
import { argMaxRows, type GradientProblem } from './gradient-problem.ts';

/** The line search on c and the inner solves. */
export interface SzegedyOptions {
  /** c tried first; multiplied or divided by 10 until bracketed, then bisected (in log space). */
  initialConst: number;
  searchSteps: number;
  /** L-BFGS iterations per solve. */
  iterations: number;
}

export const SZEGEDY_DEFAULTS: SzegedyOptions = { initialConst: 0.1, searchSteps: 6, iterations: 60 };

/** The attack: the smallest successful perturbation found per row (the input itself where none succeeded). */
export async function szegedyLbfgs(problem: GradientProblem, options: SzegedyOptions = SZEGEDY_DEFAULTS): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const targets = problem.targets ?? runnerUp(problem);
  const best = createMatrix(rows, cols, Float64Array.from(problem.inputs.data));
  const solve = async (i: number, loss: RowLoss) => {
    const found = await solveRow(problem, problem.inputs.data.subarray(i * cols, (i + 1) * cols), problem.labels[i], targets[i], loss, options);
    if (found) best.data.set(found, i * cols);
  };
  if (problem.model.crossEntropy) {
    const batch = batchedRowLosses(problem, targets, problem.model.crossEntropy);
    try {
      await Promise.all(Array.from({ length: rows }, (_, i) => solve(i, batch.rowLoss(i))));
    } finally {
      batch.release();
    }
    return best;
  }
  for (let i = 0; i < rows; i++) {
    const loss = tfjsRowLoss(problem, targets[i]);
    try {
      await solve(i, loss.at);
    } finally {
      loss.release();
    }
  }
  return best;
}

/**
 * loss_f at a row x: the target's cross-entropy, its gradient in x (read before the next
 * evaluation: it may be overwritten then), and the class the model gives x.
 */
type RowLoss = (x: Float64Array) => Promise<{ loss: number; gradient: ArrayLike<number>; predicted: number }>;

/**
 * The rows' losses on onnxruntime: each row's solve asks for its evaluations one at a time, and
 * those asked for in one turn of the event loop — every row still solving, as each runs on to its
 * next evaluation once answered — go to onnxruntime as one batch. A row at a time, each MNIST
 * evaluation was a call of its own (~55 µs of a call's fixed cost for a few microseconds of work).
 */
function batchedRowLosses(problem: GradientProblem, targets: Int32Array, crossEntropy: CrossEntropyGradient): { rowLoss(i: number): RowLoss; release(): void } {
  const { rows, cols } = problem.inputs;
  const classes = problem.model.classes;
  const batch = crossEntropy(rows);
  const x = new Float32Array(rows * cols);
  const aim = new Float32Array(rows * classes);
  type Asked = { row: number; at: Float64Array; resolve(value: Awaited<ReturnType<RowLoss>>): void; reject(error: unknown): void };
  let asked: Asked[] = [];
  // Once a call has failed, every row still solving gets its error, now or at its next evaluation.
  let failure: { error: unknown } | undefined;
  const evaluate = async () => {
    const now = asked;
    asked = [];
    try {
      aim.fill(0, 0, now.length * classes);
      now.forEach(({ row, at }, k) => {
        x.set(at, k * cols);
        aim[k * classes + targets[row]] = 1;
      });
      const out = await batch.evaluate(x, aim, now.length);
      const predicted = argMaxRows(out.logits, now.length, classes);
      now.forEach(({ resolve }, k) => resolve({ loss: out.loss[k], gradient: out.gradient.subarray(k * cols, (k + 1) * cols), predicted: predicted[k] }));
    } catch (error) {
      failure = { error };
      for (const { reject } of now) reject(error);
    }
  };
  return {
    rowLoss: (row) => (at) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure.error);
        if (asked.length === 0) setImmediate(() => void evaluate());
        asked.push({ row, at, resolve, reject });
      }),
    release: () => batch.release(),
  };
}

/** The row loss toward `target` from tfjs's value and gradient (a model without a graph). */
function tfjsRowLoss(problem: GradientProblem, target: number): { at: RowLoss; release(): void } {
  const cols = problem.inputs.cols;
  const aim = tf.oneHot(tf.tensor1d([target], 'int32'), problem.model.classes).toFloat();
  return {
    at: async (x) => {
      const input = tf.tensor2d(Float32Array.from(x), [1, cols]);
      const [value, gradient, predicted] = tf.tidy(() => {
        const { value: v, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.neg(tf.sum(tf.mul(aim, tf.logSoftmax(problem.model.logits(t as tf.Tensor2D))))) as tf.Scalar)(input);
        return [v, grad, tf.argMax(problem.model.logits(input), 1)];
      });
      const out = { loss: value.dataSync()[0], gradient: gradient.dataSync(), predicted: predicted.dataSync()[0] };
      tf.dispose([input, value, gradient, predicted]);
      return out;
    },
    release: () => aim.dispose(),
  };
}

/** Each row's highest-scoring class other than its label. */
function runnerUp(problem: GradientProblem): Int32Array {
  const { rows, cols } = problem.inputs;
  const scores = tf.tidy(() => problem.model.logits(tf.tensor2d(Float32Array.from(problem.inputs.data), [rows, cols])).dataSync());
  const classes = problem.model.classes;
  return Int32Array.from({ length: rows }, (_, i) => {
    let best = -1;
    for (let c = 0; c < classes; c++) if (c !== problem.labels[i] && (best < 0 || scores[i * classes + c] > scores[i * classes + best])) best = c;
    return best;
  });
}

/** x = lo + span · (tanh w + 1) / 2, the tanh values into `t`. */
function toImage(w: Float64Array, lo: ArrayLike<number>, span: Float64Array, t: Float64Array, x: Float64Array): void {
  for (let j = 0; j < w.length; j++) {
    t[j] = Math.tanh(w[j]);
    x[j] = lo[j] + (span[j] * (t[j] + 1)) / 2;
  }
}

/** c·‖x − x0‖² + loss, its gradient in w into `gradient` (through the image's tanh). Apart from the async objective, so that V8 compiles its loop. */
function penalisedGradient(x: Float64Array, x0: Float64Array, t: Float64Array, span: Float64Array, dx: ArrayLike<number>, c: number, loss: number, gradient: Float64Array): number {
  let total = loss;
  for (let j = 0; j < x.length; j++) {
    const r = x[j] - x0[j];
    total += c * r * r;
    gradient[j] = (2 * c * r + dx[j]) * (span[j] / 2) * (1 - t[j] * t[j]);
  }
  return total;
}

/** One row: the line search on c around L-BFGS solves; the closest success, or undefined. */
async function solveRow(problem: GradientProblem, x0: Float64Array, label: number, target: number, lossAndGradient: RowLoss, options: SzegedyOptions): Promise<Float64Array | undefined> {
  const cols = x0.length;
  const { lower: lo, upper: hi } = problem.domain;
  const span = Float64Array.from(hi, (h, j) => h - lo[j]);
  const start = Float64Array.from(x0, (value, j) => Math.atanh(Math.min(0.999999, Math.max(-0.999999, span[j] > 0 ? (2 * (value - lo[j])) / span[j] - 1 : 0))));
  const image = (w: Float64Array) => Float64Array.from(w, (value, j) => lo[j] + (span[j] * (Math.tanh(value) + 1)) / 2);
  let c = options.initialConst;
  let succeeded = 0;
  let failed = Infinity;
  let best: { x: Float64Array; distance: number } | undefined;
  // The objective's image and tanh values, kept for its evaluations (each tanh taken once).
  const x = new Float64Array(cols);
  const t = new Float64Array(cols);
  for (let step = 0; step < options.searchSteps; step++) {
    const objective = async (w: Float64Array, gradient: Float64Array): Promise<number> => {
      toImage(w, lo, span, t, x);
      const { loss, gradient: dx } = await lossAndGradient(x);
      return penalisedGradient(x, x0, t, span, dx, c, loss, gradient);
    };
    const found = image((await minimizeLbfgsAsync(objective, start, { maxIterations: options.iterations, gradientTolerance: 1e-6 })).x);
    const { predicted } = await lossAndGradient(found);
    const hit = problem.targets ? predicted === target : predicted !== label;
    let distance = 0;
    for (let j = 0; j < cols; j++) distance += (found[j] - x0[j]) ** 2;
    if (hit) {
      succeeded = Math.max(succeeded, c);
      if (!best || distance < best.distance) best = { x: found, distance };
    } else {
      failed = Math.min(failed, c);
    }
    // A larger c weighs ‖r‖ more: success → try larger, failure → smaller; bisect in log space once bracketed.
    c = succeeded === 0 ? c / 10 : !Number.isFinite(failed) ? c * 10 : Math.sqrt(succeeded * failed);
  }
  return best?.x;
}
