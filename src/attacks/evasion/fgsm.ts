/**
 * FGSM — the fast gradient sign method (Goodfellow, Shlens & Szegedy, ICLR 2015): one step of
 * size ε along the sign of the loss gradient, x' = clip(x + ε·sign(∇ₓ L)), an L∞ attack. The step
 * is float32 arithmetic (each operation rounded with Math.fround, as a float32 tensor would be).
 */

import { pgdStepKernel } from '../../math/wasm/pgd-step-kernel.ts';
import { aimOf, type GradientProblem, type RowSink } from './gradient-problem.ts';

export interface FgsmOptions {
  epsilon: number;
  /** The rows of the whole run, its batches together: they choose the gradient's session (logits.ts). */
  runRowSteps?: number;
}

/** FGSM's one step, in the step kernel's memory (`stepSign`, over the rows), each adversarial row handed to `sink`. */
export async function fgsm(problem: GradientProblem, options: FgsmOptions, sink: RowSink): Promise<void> {
  const { rows, cols } = problem.inputs;
  const { aim, targeted } = aimOf(problem);
  const kernel = pgdStepKernel(rows, cols);
  try {
    kernel.setInput(problem.inputs.data);
    // The box in float32 (each bound rounded as a Float32Array stores it), written straight into
    // the kernel: no arrays made a run. With two 3-KB arrays a run, freed only at a collection, one
    // 50-row MNIST gradient call in 18 found the C heap grown by 160 KB (strace: a brk in that call)
    // and took +400–600 µs; without them 3 calls in 200 did (the medians the same).
    kernel.lower.set(problem.domain.lower);
    kernel.upper.set(problem.domain.upper);
    const at = await problem.model.gradientForRun(options.runRowSteps ?? rows)(kernel.input, rows, aim, targeted);
    kernel.gradient.set(at.gradient);
    at.release();
    // ε·sign(g) is exact in float32 (±ε or 0); the sum rounds once, as a float32 tensor would.
    kernel.stepSign(Math.fround(options.epsilon));
    for (let i = 0; i < rows; i++) sink(i, kernel.input.subarray(i * cols, (i + 1) * cols));
  } finally {
    kernel.release();
  }
}
