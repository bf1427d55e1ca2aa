/**
 * Carlini & Wagner's L2 attack (IEEE S&P 2017): minimise ‖x' − x‖₂² + c·f(x') where f is the
 * logit margin (objective f6, floored at −κ), over x' = lo + (hi − lo)·(tanh(w) + 1)/2 so that
 * the box holds without clipping, by Adam; a binary search per row on c keeps the smallest c
 * that succeeds. Returns the smallest successful perturbation per row (the input itself where
 * no c succeeded, so such a row fails the success check).
 */

import { tf } from '../../backend/tf.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { aimLabels, margin, matrixTensor, type GradientProblem } from './gradient-problem.ts';

/** The attack's settings (Carlini & Wagner's: κ = 0, Adam at 0.01; fewer steps than their 10,000, with early abort). */
export interface CarliniWagnerOptions {
  initialConst: number;
  binarySteps: number;
  steps: number;
  learningRate: number;
  kappa: number;
}

export const CARLINI_WAGNER_DEFAULTS: CarliniWagnerOptions = { initialConst: 1, binarySteps: 6, steps: 300, learningRate: 0.05, kappa: 0 };

/** The attack. */
export async function carliniWagner(problem: GradientProblem, options: CarliniWagnerOptions = CARLINI_WAGNER_DEFAULTS): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const { lower: lo, upper: hi } = problem.domain;
  const { labels, targeted } = aimLabels(problem);
  const input = matrixTensor(problem.inputs);
  const lower = tf.tensor2d(Float32Array.from(lo), [1, cols]);
  const span = tf.tensor2d(Float32Array.from(hi, (h, j) => h - lo[j]), [1, cols]);
  // tanh-space start at the input (slightly inside the box so atanh is finite).
  const start = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const range = hi[j] - lo[j];
      const unit = range > 0 ? (problem.inputs.data[i * cols + j] - lo[j]) / range : 0.5;
      start[i * cols + j] = Math.atanh(Math.min(0.999999, Math.max(-0.999999, 2 * unit - 1)));
    }
  }
  const best = createMatrix(rows, cols, Float64Array.from(problem.inputs.data));
  const bestDistance = new Float64Array(rows).fill(Infinity);
  const lowConst = new Float64Array(rows);
  const highConst = new Float64Array(rows).fill(Infinity);
  const consts = new Float64Array(rows).fill(options.initialConst);
  const toImage = (w: tf.Tensor2D) => tf.add(lower, tf.mul(span, tf.div(tf.add(tf.tanh(w), 1), 2))) as tf.Tensor2D;

  for (let round = 0; round < options.binarySteps; round++) {
    const w = tf.variable(tf.tensor2d(start, [rows, cols]));
    const c = tf.tensor1d(Float32Array.from(consts));
    const optimizer = tf.train.adam(options.learningRate);
    const succeeded = new Uint8Array(rows);
    let previous = Infinity;
    for (let step = 0; step < options.steps; step++) {
      const loss = tf.tidy(() => optimizer.minimize(() => {
        const image = toImage(w);
        const distance = tf.sum(tf.square(tf.sub(image, input)), 1);
        return tf.sum(tf.add(distance, tf.mul(c, margin(problem.model.logits(image), labels, targeted, options.kappa)))) as tf.Scalar;
      }, true)!);
      // The image after this step, its distance and unfloored margin (below 0 meets the goal; a hair below, so float64 agrees).
      const [imageData, distances, margins] = tf.tidy(() => {
        const image = toImage(w);
        return [image, tf.sum(tf.square(tf.sub(image, input)), 1), margin(problem.model.logits(image), labels, targeted, Infinity)];
      });
      const [pixels, d2, m, total] = await Promise.all([imageData.data(), distances.data(), margins.data(), loss.data()]);
      tf.dispose([imageData, distances, margins, loss]);
      for (let i = 0; i < rows; i++) {
        if (m[i] < -Math.min(options.kappa, 1e-4) || (options.kappa > 0 && m[i] <= -options.kappa)) {
          succeeded[i] = 1;
          if (d2[i] < bestDistance[i]) {
            bestDistance[i] = d2[i];
            for (let j = 0; j < cols; j++) best.data[i * cols + j] = pixels[i * cols + j];
          }
        }
      }
      // Carlini & Wagner's early abort: stop when the loss has not fallen by 0.01% in a tenth of the steps.
      if (step % Math.max(1, Math.floor(options.steps / 10)) === 0) {
        if (total[0] > previous * 0.9999) break;
        previous = total[0];
      }
    }
    tf.dispose([w, c]);
    optimizer.dispose();
    for (let i = 0; i < rows; i++) {
      if (succeeded[i]) {
        highConst[i] = Math.min(highConst[i], consts[i]);
        consts[i] = (lowConst[i] + highConst[i]) / 2;
      } else {
        lowConst[i] = Math.max(lowConst[i], consts[i]);
        consts[i] = Number.isFinite(highConst[i]) ? (lowConst[i] + highConst[i]) / 2 : consts[i] * 10;
      }
    }
  }
  tf.dispose([input, lower, span, labels]);
  return best;
}
