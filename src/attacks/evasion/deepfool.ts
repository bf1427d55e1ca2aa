/**
 * DeepFool (Moosavi-Dezfooli, Fawzi & Frossard, CVPR 2016), L2: linearise the classifier at the
 * current point and step to the nearest linearised boundary, r = (|f_l| / ‖w_l‖²)·w_l with
 * l = argmin_k |f_k| / ‖w_k‖ over the other classes (only the target, when targeted), until the
 * label changes; the total step is scaled by 1 + overshoot. In a box (pixels in [0, 1]) the
 * linearisation uses only the coordinates free to move along w (a pixel at 0 cannot darken), so
 * each step reaches the linearised boundary inside the box instead of being clipped away.
 *
 * Each iteration linearises the rows still moving: one onnxruntime call where the model has a
 * graph (deepfool-step.ts: the gradients, the free coordinates and the choice of boundary), else
 * one tfjs backward pass a class and the choice here.
 */

import { tf } from '../../backend/tf.ts';
import { selectRows, type Matrix } from '../../math/matrix.ts';
import { borrowFloat32, borrowFloat64, giveBack } from '../../math/spare-arrays.ts';
import { clipRowsToBox } from '../../math/wasm/box-clip-kernel.ts';
import { matrixTensor, type GradientProblem, type RowSink } from './gradient-problem.ts';

/** DeepFool's settings (the paper's overshoot 0.02, at most 50 iterations). */
export interface DeepFoolOptions {
  overshoot: number;
  maxIterations: number;
}

export const DEEPFOOL_DEFAULTS: DeepFoolOptions = { overshoot: 0.02, maxIterations: 50 };

/** For the c-th row linearised: its predicted class, and toward the chosen boundary the score gap f, ‖w‖² and w over the free coordinates. */
interface Choice {
  predicted: ArrayLike<number>;
  gap: ArrayLike<number>;
  norm2: ArrayLike<number>;
  direction(c: number): ArrayLike<number>;
}

/** Linearises the model at the rows `which` of `current` and chooses each one's boundary; `dispose` frees what it keeps. */
type Chooser = { at(current: Matrix, which: Int32Array): Promise<Choice>; dispose(): void };

/** The classes each row may be pushed to (rows × classes): every one, or the target. */
function allowedClasses(problem: GradientProblem): Float32Array {
  const classes = problem.model.classes;
  const allowed = new Float32Array(problem.inputs.rows * classes);
  if (!problem.targets) return allowed.fill(1);
  problem.targets.forEach((target, i) => (allowed[i * classes + target] = 1));
  return allowed;
}

/** On onnxruntime: one call an iteration for the rows still moving. */
function nativeChooser(problem: GradientProblem): Chooser | undefined {
  const { rows, cols } = problem.inputs;
  const classes = problem.model.classes;
  const step = problem.model.deepFoolStep?.(rows, Float32Array.from(problem.domain.lower), Float32Array.from(problem.domain.upper));
  if (!step) return undefined;
  const x = borrowFloat32(rows * cols);
  const allAllowed = allowedClasses(problem);
  const allowed = new Float32Array(rows * classes);
  return {
    async at(current, which) {
      which.forEach((i, c) => {
        x.set(current.data.subarray(i * cols, (i + 1) * cols), c * cols);
        allowed.set(allAllowed.subarray(i * classes, (i + 1) * classes), c * classes);
      });
      const at = await step.evaluate(x, allowed, which.length);
      return { ...at, direction: (c) => at.direction.subarray(c * cols, (c + 1) * cols) };
    },
    dispose: () => {
      step.release();
      giveBack(x);
    },
  };
}

/** w_k's value at a coordinate, zero where it cannot move in w's direction (at the box's bound). */
function freeValue(w: number, at: number, lower: number, upper: number): number {
  return (w < 0 && at <= lower) || (w > 0 && at >= upper) ? 0 : w;
}

/** ‖w‖² of w = toward − from restricted to the coordinates free to move along it. */
function freeNorm2(toward: Float32Array, from: Float32Array, at: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let norm2 = 0;
  for (let j = 0; j < at.length; j++) {
    const w = freeValue(toward[j] - from[j], at[j], lower[j], upper[j]);
    norm2 += w * w;
  }
  return norm2;
}

/**
 * The choice for one row from its scores and class gradients (`gradient(k)`), at `at`: the
 * predicted class, and the allowed class k ≠ predicted with the least |f_k| / ‖w_k‖ (the first
 * where tied), its gap, ‖w_k‖² and w_k. Apart from the async loop, so that V8 compiles it.
 */
function chooseRow(scores: ArrayLike<number>, offset: number, gradient: (k: number) => Float32Array, at: Float64Array, problem: GradientProblem, target: number | undefined, direction: Float64Array): { predicted: number; gap: number; norm2: number } {
  const classes = problem.model.classes;
  const { lower, upper } = problem.domain;
  let predicted = 0;
  for (let k = 1; k < classes; k++) if (scores[offset + k] > scores[offset + predicted]) predicted = k;
  let bestRatio = Infinity;
  let bestK = -1;
  let bestNorm2 = 0;
  const fromRow = gradient(predicted);
  for (let k = 0; k < classes; k++) {
    if (k === predicted || (target !== undefined && k !== target)) continue;
    const norm2 = freeNorm2(gradient(k), fromRow, at, lower, upper);
    const ratio = Math.abs(scores[offset + k] - scores[offset + predicted]) / Math.sqrt(norm2 + 1e-20);
    if (ratio < bestRatio) {
      bestRatio = ratio;
      bestK = k;
      bestNorm2 = norm2;
    }
  }
  if (bestK < 0) return { predicted, gap: 0, norm2: 0 };
  const toward = gradient(bestK);
  for (let j = 0; j < at.length; j++) direction[j] = freeValue(toward[j] - fromRow[j], at[j], lower[j], upper[j]);
  return { predicted, gap: scores[offset + bestK] - scores[offset + predicted], norm2: bestNorm2 };
}

/** On tfjs: one backward pass a class (the gradient of the class's column sum: rows are independent), the choice here. */
function tfjsChooser(problem: GradientProblem): Chooser {
  const { rows, cols } = problem.inputs;
  const classes = problem.model.classes;
  const gradients = Array.from({ length: classes }, (_, k) => tf.grad((x: tf.Tensor) => tf.sum(tf.slice(problem.model.logits(x as tf.Tensor2D), [0, k], [-1, 1]))));
  const [predicted, gap, norm2, direction] = [new Float64Array(rows), new Float64Array(rows), new Float64Array(rows), new Float64Array(rows * cols)];
  return {
    async at(current, which) {
      const x = matrixTensor(selectRows(current, which));
      const logits = tf.tidy(() => problem.model.logits(x));
      const scores = await logits.data();
      const jacobian = await Promise.all(gradients.map(async (gradient) => {
        const g = tf.tidy(() => gradient(x));
        const values = (await g.data()) as Float32Array;
        g.dispose();
        return values;
      }));
      tf.dispose([x, logits]);
      which.forEach((i, c) => {
        const at = current.data.subarray(i * cols, (i + 1) * cols);
        const chosen = chooseRow(scores, c * classes, (k) => jacobian[k].subarray(c * cols, (c + 1) * cols), at, problem, problem.targets?.[i], direction.subarray(c * cols, (c + 1) * cols));
        [predicted[c], gap[c], norm2[c]] = [chosen.predicted, chosen.gap, chosen.norm2];
      });
      return { predicted, gap, norm2, direction: (c) => direction.subarray(c * cols, (c + 1) * cols) };
    },
    dispose: () => undefined,
  };
}

/**
 * One DeepFool step of row i, the c-th chosen: false when the row has met its goal (no step), else
 * (|f| + 10⁻⁴) / ‖w‖² · w added to `total` and the row moved to x0 + (1 + overshoot)·total — to be
 * clipped to the box (`clipRowsToBox`, every row moved in a step at once). Apart from the async
 * loop, so that V8 compiles it.
 */
function stepRow(problem: GradientProblem, choice: Choice, c: number, i: number, current: Matrix, total: Float64Array, overshoot: number): boolean {
  const { cols } = problem.inputs;
  const x0 = problem.inputs.data;
  const predicted = choice.predicted[c];
  const done = problem.targets ? predicted === problem.targets[i] : predicted !== problem.labels[i];
  if (done) return false;
  const scale = (Math.abs(choice.gap[c]) + 1e-4) / (choice.norm2[c] + 1e-20);
  const direction = choice.direction(c);
  for (let j = 0; j < cols; j++) {
    total[i * cols + j] += scale * direction[j];
    current.data[i * cols + j] = x0[i * cols + j] + (1 + overshoot) * total[i * cols + j];
  }
  return true;
}

/** The attack: each row's adversarial handed to `sink` (a view of the attack's memory, to be copied before it returns). */
export async function deepFool(problem: GradientProblem, options: DeepFoolOptions, sink: RowSink): Promise<void> {
  const { rows, cols } = problem.inputs;
  // Working arrays lent for the run (spare-arrays.ts): fresh, they were a third of its time here.
  const total = borrowFloat64(rows * cols).fill(0);
  const current: Matrix = { rows, cols, data: borrowFloat64(rows * cols) };
  current.data.set(problem.inputs.data);
  const active = new Uint8Array(rows).fill(1);
  const chooser = nativeChooser(problem) ?? tfjsChooser(problem);
  try {
    for (let iteration = 0; iteration < options.maxIterations; iteration++) {
      // Only the rows still moving are linearised: most meet their goal in two or three steps.
      const moving = Int32Array.from({ length: rows }, (_, i) => i).filter((i) => active[i] === 1);
      if (moving.length === 0) break;
      const choice = await chooser.at(current, moving);
      moving.forEach((i, c) => (active[i] = stepRow(problem, choice, c, i, current, total, options.overshoot) ? 1 : 0));
      // The rows moved, clipped to the box in WebAssembly: Math.min(upper, Math.max(lower, v)), value
      // for value (value by value in JavaScript, ~7 ns each here: a 50-row MNIST MLP run's further
      // runs 4.87–4.95 ms then, 4.23–4.74 now, the same rows).
      clipRowsToBox(current.data, cols, moving.filter((i) => active[i] === 1), problem.domain.lower, problem.domain.upper);
    }
    for (let i = 0; i < rows; i++) sink(i, current.data.subarray(i * cols, (i + 1) * cols));
  } finally {
    chooser.dispose();
    giveBack(total);
    giveBack(current.data);
  }
}
