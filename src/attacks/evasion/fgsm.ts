/**
 * FGSM — the fast gradient sign method (Goodfellow, Shlens & Szegedy, ICLR 2015): one step of
 * size ε along the sign of the loss gradient, x' = clip(x + ε·sign(∇ₓ L)), an L∞ attack. The step
 * is float32 arithmetic (each operation rounded with Math.fround, as a float32 tensor would be).
 */

import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { aimOf, float32Box, type GradientProblem } from './gradient-problem.ts';

/** FGSM's one step. */
export async function fgsm(problem: GradientProblem, options: { epsilon: number }): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const x = Float32Array.from(problem.inputs.data);
  const { aim, targeted } = aimOf(problem);
  const { gradient } = await problem.model.gradientAt(x, rows, aim, targeted);
  const box = float32Box(problem.domain);
  const epsilon = Math.fround(options.epsilon);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      out[k] = box.clip(Math.fround(x[k] + Math.sign(gradient[k]) * epsilon), j);
    }
  }
  return createMatrix(rows, cols, out);
}
