/**
 * What every gradient (white-box) evasion attack receives, and the pieces they share: the loss
 * whose gradient they follow, the margin of Carlini & Wagner, and clipping to the box of the
 * input domain.
 */

import { tf } from '../../backend/tf.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { InputDomain } from './domain.ts';
import type { LogitModel } from './logits.ts';

/** A batch to perturb: untargeted (make the label wrong) or targeted (make it `targets`). */
export interface GradientProblem {
  model: LogitModel;
  domain: InputDomain;
  /** The rows to perturb; read, never written (they may be a view of the caller's rows). */
  inputs: Matrix;
  /** The label each row has now (the model's prediction, or the true label). */
  labels: Int32Array;
  /** The label each row should get; absent for untargeted attacks. */
  targets?: Int32Array;
}

/**
 * Where an attack hands each adversarial row of its batch (row k of the batch, valid only during
 * the call), once its steps are done (`runWhiteBox` ends a batch's attack time at the first row
 * handed over): the caller copies it where it belongs, so that no batch-sized result is made — fresh
 * memory is fresh pages here (~12 µs each: 3.7 ms for the 1.25 MB result of 200 MNIST rows, four
 * times FGSM's gradient call).
 */
export type RowSink = (row: number, values: Float32Array | Float64Array) => void;

/**
 * out = clip(x + offset) per value, in float32, each row's column j clipped to [lower_j, upper_j]
 * (FGSM's step, PGD's random start). A function apart from the async attacks, so V8 compiles its loop.
 */
export function addInBox(x: Float32Array, offset: Float32Array, box: { lower: Float32Array; upper: Float32Array }, out: Float32Array): void {
  const { lower, upper } = box;
  const cols = lower.length;
  for (let from = 0; from < x.length; from += cols) {
    for (let j = 0; j < cols; j++) {
      const value = Math.fround(x[from + j] + offset[from + j]);
      out[from + j] = value < lower[j] ? lower[j] : value > upper[j] ? upper[j] : value;
    }
  }
}

/** One-hot rows (n × classes) of labels. */
export function oneHotTensor(labels: Int32Array, classes: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
}

/** Weight of the logit margin added to the cross-entropy (see `attackerLoss`). */
export const MARGIN_WEIGHT = 1e-3;

/**
 * The loss the attacker ascends, per row: the cross-entropy of the current label (untargeted),
 * or minus the cross-entropy of the target (targeted), plus 10⁻³ × the logit margin toward the
 * goal. On a row the model is sure of, float32 softmax saturates (p = 1 exactly) and the
 * cross-entropy's gradient is exactly zero — a sign step then goes nowhere; the small margin term
 * keeps a direction there and changes nothing where the cross-entropy has one.
 */
export function attackerLoss(logits: tf.Tensor2D, labels: tf.Tensor2D, targeted: boolean): tf.Tensor1D {
  const crossEntropy = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
  const goal = tf.neg(margin(logits, labels, targeted, Infinity));
  return tf.add(targeted ? tf.neg(crossEntropy) : crossEntropy, tf.mul(goal, MARGIN_WEIGHT)) as tf.Tensor1D;
}

/**
 * Carlini & Wagner's margin f (2017, objective f6), per row, at least −κ: untargeted
 * Z_y − max_{i≠y} Z_i (positive while the label holds), targeted max_{i≠t} Z_i − Z_t.
 */
export function margin(logits: tf.Tensor2D, labels: tf.Tensor2D, targeted: boolean, kappa: number): tf.Tensor1D {
  const own = tf.sum(tf.mul(logits, labels), 1);
  const others = tf.max(tf.sub(logits, tf.mul(labels, 1e9)), 1);
  const value = targeted ? tf.sub(others, own) : tf.sub(own, others);
  return tf.maximum(value, -kappa) as tf.Tensor1D;
}

/** The labels an attack aims at (targeted) or away from. */
export function aimOf(problem: GradientProblem): { aim: Int32Array; targeted: boolean } {
  return problem.targets ? { aim: problem.targets, targeted: true } : { aim: problem.labels, targeted: false };
}

/** The index of each row's largest score (the first where tied, as tfjs's argMax). */
export function argMaxRows(scores: Float32Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** A float32 tensor of a matrix. */
export function matrixTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(new Float32Array(matrix.data), [matrix.rows, matrix.cols]);
}

/** The label tensor an attack aims at or away from. */
export function aimLabels(problem: GradientProblem): { labels: tf.Tensor2D; targeted: boolean } {
  const { aim, targeted } = aimOf(problem);
  return { labels: oneHotTensor(aim, problem.model.classes), targeted };
}
