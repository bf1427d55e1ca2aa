/**
 * PGD — projected gradient descent (Madry et al., ICLR 2018): from a random point of the ε-ball
 * around x, `steps` steps of size α along the loss gradient's sign (L∞) or its normalised
 * direction (L2), each followed by projection onto the ball and the input box. The strongest
 * first-order attack within the ball; robust accuracy is measured against it. A row is kept at
 * the first iterate that meets the goal (the loss can climb past the boundary and back; an
 * adversarial iterate found is an adversarial example), unless a transfer attack asks for every
 * step: examples far past the surrogate's boundary transfer better (Papernot et al. 2016).
 */

import type { Rng } from '../../random.ts';
import { addInBox, aimOf, argMaxRows, type GradientProblem, type RowSink } from './gradient-problem.ts';
import { pgdStepKernel } from '../../math/wasm/pgd-step-kernel.ts';

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
  /** Row-gradients of the whole run this batch is part of (rows × steps of every batch; default this batch's), which chooses the gradient's session. */
  runRowSteps?: number;
}

/** L2's seeded random start: a random direction and radius in the ball, written over `values` (rows × cols). L∞'s is drawn in the step kernel (`startInfinity`). */
function randomStartEuclidean(rows: number, cols: number, options: PgdOptions, rng: Rng, values: Float32Array): Float32Array {
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
  return values;
}

/** The L2 norm of row i of `values` (cols wide), at least 10⁻¹² (as a zero row is divided by it). */
function rowNorm(values: Float32Array, i: number, cols: number): number {
  let sum = 0;
  for (let j = 0; j < cols; j++) sum += values[i * cols + j] * values[i * cols + j];
  return Math.max(Math.fround(Math.sqrt(sum)), Math.fround(1e-12));
}

/** One L2 step of row `i`: along the gradient's direction by `step`, the move from the input scaled into the ε-ball, the result clipped to the box. */
function stepEuclidean(i: number, cols: number, input: Float32Array, current: Float32Array, gradient: Float32Array, next: Float32Array, step: number, epsilon: number, lower: Float32Array, upper: Float32Array): void {
  const from = i * cols;
  const gradientNorm = rowNorm(gradient, i, cols);
  for (let j = 0; j < cols; j++) next[from + j] = Math.fround(Math.fround(current[from + j] + Math.fround(Math.fround(gradient[from + j] / gradientNorm) * step)) - input[from + j]);
  const shrink = Math.min(1, Math.fround(epsilon / rowNorm(next, i, cols)));
  for (let j = 0; j < cols; j++) next[from + j] = Math.min(Math.max(Math.fround(input[from + j] + Math.fround(next[from + j] * shrink)), lower[j]), upper[j]);
}

/** PGD under L∞ or L2, each adversarial row handed to `sink`. */
export async function pgd(problem: GradientProblem, options: PgdOptions, rng: Rng, sink: RowSink): Promise<void> {
  const { rows, cols } = problem.inputs;
  const { aim, targeted } = aimOf(problem);
  // The iterates, the rows and the box in the step kernel's memory (the L∞ step runs there; the
  // gradient is taken at `current` without a copy).
  const kernel = pgdStepKernel(rows, cols);
  try {
    const { input } = kernel;
    kernel.setInput(problem.inputs.data);
    // The box in float32 (each bound rounded as a Float32Array stores it), written straight into the kernel.
    kernel.lower.set(problem.domain.lower);
    kernel.upper.set(problem.domain.upper);
    const box = { lower: kernel.lower, upper: kernel.upper };
    // L∞'s start is drawn in the kernel; L2's offset is drawn into `next`, which the first step
    // overwrites: no batch-sized array made (fresh pages).
    if (options.randomStart && options.norm === 'inf') kernel.startInfinity(rng, options.epsilon);
    else if (options.randomStart) addInBox(input, randomStartEuclidean(rows, cols, options, rng, kernel.next), box, kernel.current);
    else kernel.current.set(input);
    // Float32 arithmetic throughout, as float32 tensors would round.
    const step = Math.fround(options.stepSize ?? (2.5 * options.epsilon) / options.steps);
    const epsilon = Math.fround(options.epsilon);
    const classes = problem.model.classes;
    const gradientAt = problem.model.gradientForRun(options.runRowSteps ?? rows * options.steps);
    for (let s = 0; s < options.steps; s++) {
      const { current, next } = kernel;
      const at = await gradientAt(current, rows, aim, targeted);
      if (options.norm === 'inf') {
        kernel.gradient.set(at.gradient);
        kernel.stepInfinity(step, epsilon);
      } else {
        for (let i = 0; i < rows; i++) stepEuclidean(i, cols, input, current, at.gradient, next, step, epsilon, box.lower, box.upper);
      }
      if (options.stopAtSuccess !== false) {
        // A row whose iterate already meets the goal stays there.
        const predicted = argMaxRows(at.logits, rows, classes);
        for (let i = 0; i < rows; i++) if (targeted ? predicted[i] === aim[i] : predicted[i] !== aim[i]) next.set(current.subarray(i * cols, (i + 1) * cols), i * cols);
      }
      at.release();
      kernel.swap();
    }
    for (let i = 0; i < rows; i++) sink(i, kernel.current.subarray(i * cols, (i + 1) * cols));
  } finally {
    kernel.release();
  }
}
