/**
 * Carlini & Wagner's rounds (carlini-wagner.ts) on tfjs, for a model without an onnxruntime graph
 * (a hidden softmax layer): the objective differentiated through the model's tfjs scores by
 * tfjs's Adam, each step's image judged after its update (a second forward pass).
 */

import { tf } from '../../backend/tf.ts';
import { earlyAbort, metGoal, type CarliniWagnerOptions, type CwRounds } from './carlini-wagner-rounds.ts';
import { aimLabels, margin, matrixTensor, type GradientProblem } from './gradient-problem.ts';

/** The rounds on tfjs from the tanh-space `start`. */
export function tfjsCwRounds(problem: GradientProblem, options: CarliniWagnerOptions, start: Float32Array): CwRounds {
  const { rows, cols } = problem.inputs;
  const { lower: lo, upper: hi } = problem.domain;
  const { labels, targeted } = aimLabels(problem);
  const input = matrixTensor(problem.inputs);
  const lower = tf.tensor2d(Float32Array.from(lo), [1, cols]);
  const span = tf.tensor2d(Float32Array.from(hi, (h, j) => h - lo[j]), [1, cols]);
  const toImage = (w: tf.Tensor2D) => tf.add(lower, tf.mul(span, tf.div(tf.add(tf.tanh(w), 1), 2))) as tf.Tensor2D;
  return {
    async run(consts, record) {
      const w = tf.variable(tf.tensor2d(start, [rows, cols]));
      const c = tf.tensor1d(Float32Array.from(consts));
      const optimizer = tf.train.adam(options.learningRate);
      const succeeded = new Uint8Array(rows);
      const abort = earlyAbort(options.steps);
      try {
        for (let step = 0; step < options.steps; step++) {
          const loss = tf.tidy(() => optimizer.minimize(() => {
            const image = toImage(w);
            const distance = tf.sum(tf.square(tf.sub(image, input)), 1);
            return tf.sum(tf.add(distance, tf.mul(c, margin(problem.model.logits(image), labels, targeted, options.kappa)))) as tf.Scalar;
          }, true)!);
          // The image after this step, its distance and unfloored margin.
          const [imageData, distances, margins] = tf.tidy(() => {
            const image = toImage(w);
            return [image, tf.sum(tf.square(tf.sub(image, input)), 1), margin(problem.model.logits(image), labels, targeted, Infinity)];
          });
          const [pixels, d2, m, total] = await Promise.all([imageData.data(), distances.data(), margins.data(), loss.data()]);
          tf.dispose([imageData, distances, margins, loss]);
          for (let i = 0; i < rows; i++) {
            if (metGoal(m[i], options.kappa)) {
              succeeded[i] = 1;
              record(i, d2[i], pixels as Float32Array, i * cols);
            }
          }
          if (abort(step, total[0])) break;
        }
        return succeeded;
      } finally {
        tf.dispose([w, c]);
        optimizer.dispose();
      }
    },
    dispose: () => tf.dispose([input, lower, span, labels]),
  };
}
