/**
 * Szegedy et al.'s box-constrained L-BFGS attack ("Intriguing properties of neural networks",
 * ICLR 2014, §4.1): minimise c·‖r‖₂² + loss_f(x + r, l) subject to x + r in the box, and
 * line-search c for the largest c (the smallest perturbation) whose minimiser r still makes
 * f(x + r) = l. The box is kept by the change of variables x + r = lo + (hi − lo)·(tanh w + 1)/2
 * (Carlini & Wagner's device, equivalent to the box constraint), so float64 L-BFGS
 * (src/math/lbfgs.ts) runs unconstrained, one row at a time (each row its own c and its own
 * curvature). loss_f is the cross-entropy of the target l; untargeted, l is the row's runner-up
 * class at x (the nearest other class by score). Gradients are float32 (tfjs).
 */

import { tf } from '../../backend/tf.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { minimizeLbfgs } from '../../math/lbfgs.ts';
import type { GradientProblem } from './gradient-problem.ts';

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
  for (let i = 0; i < rows; i++) {
    const found = solveRow(problem, problem.inputs.data.subarray(i * cols, (i + 1) * cols), problem.labels[i], targets[i], options);
    if (found) best.data.set(found, i * cols);
  }
  return best;
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

/** One row: the line search on c around L-BFGS solves; the closest success, or undefined. */
function solveRow(problem: GradientProblem, x0: Float64Array, label: number, target: number, options: SzegedyOptions): Float64Array | undefined {
  const cols = x0.length;
  const { lower: lo, upper: hi } = problem.domain;
  const span = Float64Array.from(hi, (h, j) => h - lo[j]);
  const start = Float64Array.from(x0, (value, j) => Math.atanh(Math.min(0.999999, Math.max(-0.999999, span[j] > 0 ? (2 * (value - lo[j])) / span[j] - 1 : 0))));
  const image = (w: Float64Array) => Float64Array.from(w, (value, j) => lo[j] + (span[j] * (Math.tanh(value) + 1)) / 2);
  const aim = tf.oneHot(tf.tensor1d([target], 'int32'), problem.model.classes).toFloat();
  const lossAndGradient = (x: Float64Array) => {
    const input = tf.tensor2d(Float32Array.from(x), [1, cols]);
    const [value, gradient, predicted] = tf.tidy(() => {
      const { value: v, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.neg(tf.sum(tf.mul(aim, tf.logSoftmax(problem.model.logits(t as tf.Tensor2D))))) as tf.Scalar)(input);
      return [v, grad, tf.argMax(problem.model.logits(input), 1)];
    });
    const out = { loss: value.dataSync()[0], gradient: gradient.dataSync(), predicted: predicted.dataSync()[0] };
    tf.dispose([input, value, gradient, predicted]);
    return out;
  };
  let c = options.initialConst;
  let succeeded = 0;
  let failed = Infinity;
  let best: { x: Float64Array; distance: number } | undefined;
  for (let step = 0; step < options.searchSteps; step++) {
    const objective = (w: Float64Array, gradient: Float64Array): number => {
      const x = image(w);
      const { loss, gradient: dx } = lossAndGradient(x);
      let total = loss;
      for (let j = 0; j < cols; j++) {
        const r = x[j] - x0[j];
        total += c * r * r;
        const t = Math.tanh(w[j]);
        gradient[j] = (2 * c * r + dx[j]) * (span[j] / 2) * (1 - t * t);
      }
      return total;
    };
    const x = image(minimizeLbfgs(objective, start, { maxIterations: options.iterations, gradientTolerance: 1e-6 }).x);
    const { predicted } = lossAndGradient(x);
    const hit = problem.targets ? predicted === target : predicted !== label;
    let distance = 0;
    for (let j = 0; j < cols; j++) distance += (x[j] - x0[j]) ** 2;
    if (hit) {
      succeeded = Math.max(succeeded, c);
      if (!best || distance < best.distance) best = { x, distance };
    } else {
      failed = Math.min(failed, c);
    }
    // A larger c weighs ‖r‖ more: success → try larger, failure → smaller; bisect in log space once bracketed.
    c = succeeded === 0 ? c / 10 : !Number.isFinite(failed) ? c * 10 : Math.sqrt(succeeded * failed);
  }
  aim.dispose();
  return best?.x;
}
