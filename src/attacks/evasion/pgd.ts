/**
 * PGD — projected gradient descent (Madry et al., ICLR 2018): from a random point of the ε-ball
 * around x, `steps` steps of size α along the loss gradient's sign (L∞) or its normalised
 * direction (L2), each followed by projection onto the ball and the input box. The strongest
 * first-order attack within the ball; robust accuracy is measured against it. A row is kept at
 * the first iterate that meets the goal (the loss can climb past the boundary and back; an
 * adversarial iterate found is an adversarial example), unless a transfer attack asks for every
 * step: examples far past the surrogate's boundary transfer better (Papernot et al. 2016).
 */

import { tf } from '../../backend/tf.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { Rng } from '../../random.ts';
import { aimLabels, attackerLoss, boxTensors, matrixTensor, tensorMatrix, type GradientProblem } from './gradient-problem.ts';

/** The norm of a perturbation budget. */
export type EvasionNorm = '2' | 'inf';

/** PGD's settings; α defaults to 2.5 ε / steps (Madry et al.'s ratio). */
export interface PgdOptions {
  epsilon: number;
  norm: EvasionNorm;
  steps: number;
  stepSize?: number;
  randomStart: boolean;
  /** Keep each row at its first adversarial iterate (default); false runs every step (transfer wants the loss as high as the ball allows). */
  stopAtSuccess?: boolean;
}

function rowNorms(x: tf.Tensor2D): tf.Tensor2D {
  return tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12) as tf.Tensor2D;
}

/** Projects δ onto the ε-ball of the norm. */
function projectBall(delta: tf.Tensor2D, epsilon: number, norm: EvasionNorm): tf.Tensor2D {
  if (norm === 'inf') return tf.clipByValue(delta, -epsilon, epsilon) as tf.Tensor2D;
  return tf.mul(delta, tf.minimum(1, tf.div(epsilon, rowNorms(delta)))) as tf.Tensor2D;
}

/** A seeded random start in the ball (uniform per coordinate for L∞; a random direction and radius for L2). */
function randomStart(rows: number, cols: number, options: PgdOptions, rng: Rng): tf.Tensor2D {
  const values = new Float32Array(rows * cols);
  if (options.norm === 'inf') {
    for (let k = 0; k < values.length; k++) values[k] = (2 * rng.uniform() - 1) * options.epsilon;
    return tf.tensor2d(values, [rows, cols]);
  }
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let j = 0; j < cols; j++) {
      const value = rng.normal();
      values[i * cols + j] = value;
      norm += value * value;
    }
    const radius = (options.epsilon * rng.uniform()) / Math.sqrt(norm);
    for (let j = 0; j < cols; j++) values[i * cols + j] *= radius;
  }
  return tf.tensor2d(values, [rows, cols]);
}

/** PGD under L∞ or L2. */
export async function pgd(problem: GradientProblem, options: PgdOptions, rng: Rng): Promise<Matrix> {
  const box = boxTensors(problem.domain);
  const { labels, targeted } = aimLabels(problem);
  const input = matrixTensor(problem.inputs);
  const step = options.stepSize ?? (2.5 * options.epsilon) / options.steps;
  const lossOf = (x: tf.Tensor) => tf.sum(attackerLoss(problem.model.logits(x as tf.Tensor2D), labels, targeted));
  const gradientOf = tf.grad(lossOf);
  let current = options.randomStart ? tf.tidy(() => box.clip(tf.add(input, randomStart(problem.inputs.rows, problem.inputs.cols, options, rng)) as tf.Tensor2D)) : input.clone();
  const aim = problem.targets ?? problem.labels;
  const aimTensor = tf.tensor1d(aim, 'int32');
  const metGoal = (x: tf.Tensor2D) => {
    const predicted = tf.argMax(problem.model.logits(x), 1);
    return (targeted ? tf.equal(predicted, aimTensor) : tf.notEqual(predicted, aimTensor)).reshape([-1, 1]);
  };
  for (let s = 0; s < options.steps; s++) {
    const next = tf.tidy(() => {
      const gradient = gradientOf(current) as tf.Tensor2D;
      const direction = options.norm === 'inf' ? tf.sign(gradient) : tf.div(gradient, rowNorms(gradient));
      const moved = tf.add(current, tf.mul(direction, step)) as tf.Tensor2D;
      const stepped = box.clip(tf.add(input, projectBall(tf.sub(moved, input) as tf.Tensor2D, options.epsilon, options.norm)) as tf.Tensor2D);
      return options.stopAtSuccess === false ? stepped : (tf.where(tf.broadcastTo(metGoal(current), current.shape), current, stepped) as tf.Tensor2D);
    });
    current.dispose();
    current = next;
  }
  aimTensor.dispose();
  const result = await tensorMatrix(current);
  tf.dispose([current, input, labels]);
  box.dispose();
  return result;
}
