/**
 * FGSM — the fast gradient sign method (Goodfellow, Shlens & Szegedy, ICLR 2015): one step of
 * size ε along the sign of the loss gradient, x' = clip(x + ε·sign(∇ₓ L)), an L∞ attack.
 */

import { tf } from '../../backend/tf.ts';
import type { Matrix } from '../../math/matrix.ts';
import { aimLabels, attackerLoss, boxTensors, matrixTensor, tensorMatrix, type GradientProblem } from './gradient-problem.ts';

/** FGSM's one step. */
export async function fgsm(problem: GradientProblem, options: { epsilon: number }): Promise<Matrix> {
  const box = boxTensors(problem.domain);
  const { labels, targeted } = aimLabels(problem);
  const input = matrixTensor(problem.inputs);
  const adversarial = tf.tidy(() => {
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(attackerLoss(problem.model.logits(x as tf.Tensor2D), labels, targeted)))(input) as tf.Tensor2D;
    return box.clip(tf.add(input, tf.mul(tf.sign(gradient), options.epsilon)) as tf.Tensor2D);
  });
  const result = await tensorMatrix(adversarial);
  tf.dispose([adversarial, input, labels]);
  box.dispose();
  return result;
}
