/**
 * FGSM — the fast gradient sign method (Goodfellow, Shlens & Szegedy, ICLR 2015): one step of
 * size ε along the sign of the loss gradient, x' = clip(x + ε·sign(∇ₓ L)), an L∞ attack. The step
 * is float32 arithmetic (each operation rounded with Math.fround, as a float32 tensor would be).
 */

import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { addInBox, aimOf, float32Box, type GradientProblem } from './gradient-problem.ts';

/** FGSM's one step. */
export async function fgsm(problem: GradientProblem, options: { epsilon: number }): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const x = Float32Array.from(problem.inputs.data);
  const { aim, targeted } = aimOf(problem);
  const { gradient } = await problem.model.gradientAt(x, rows, aim, targeted);
  // ε·sign(g) is exact in float32 (±ε or 0); the sum rounds once, as a float32 tensor would.
  const offset = signTimes(gradient, Math.fround(options.epsilon));
  const out = new Float32Array(rows * cols);
  addInBox(x, offset, float32Box(problem.domain), out);
  return createMatrix(rows, cols, Float64Array.from(out));
}

/** ε·sign(g) per value (a plain loop in a function of its own: `Float32Array.from` with a mapper runs far slower). */
function signTimes(gradient: Float32Array, epsilon: number): Float32Array {
  const out = new Float32Array(gradient.length);
  for (let k = 0; k < gradient.length; k++) out[k] = Math.sign(gradient[k]) * epsilon;
  return out;
}
