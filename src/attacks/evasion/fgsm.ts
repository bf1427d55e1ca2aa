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
  const out = new Float64Array(rows * cols);
  signStep(x, gradient, Math.fround(options.epsilon), box.lower, box.upper, out);
  return createMatrix(rows, cols, out);
}

/** out = clip(x + ε·sign(g)) per value, float32 (a function apart from the async one, so V8 compiles its loop). */
function signStep(x: Float32Array, gradient: Float32Array, epsilon: number, lower: Float32Array, upper: Float32Array, out: Float64Array): void {
  const cols = lower.length;
  for (let from = 0; from < x.length; from += cols) {
    for (let j = 0; j < cols; j++) {
      const value = Math.fround(x[from + j] + Math.sign(gradient[from + j]) * epsilon);
      out[from + j] = value < lower[j] ? lower[j] : value > upper[j] ? upper[j] : value;
    }
  }
}
