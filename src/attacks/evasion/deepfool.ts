/**
 * DeepFool (Moosavi-Dezfooli, Fawzi & Frossard, CVPR 2016), L2: linearise the classifier at the
 * current point and step to the nearest linearised boundary, r = (|f_l| / ‖w_l‖²)·w_l with
 * l = argmin_k |f_k| / ‖w_k‖ over the other classes (only the target, when targeted), until the
 * label changes; the total step is scaled by 1 + overshoot. In a box (pixels in [0, 1]) the
 * linearisation uses only the coordinates free to move along w (a pixel at 0 cannot darken), so
 * each step reaches the linearised boundary inside the box instead of being clipped away.
 *
 * Each iteration needs every class score's gradient at every row: one onnxruntime call where the
 * model has a graph (class-jacobian.ts), else one tfjs backward pass a class.
 */

import { tf } from '../../backend/tf.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { matrixTensor, type GradientProblem } from './gradient-problem.ts';

/** DeepFool's settings (the paper's overshoot 0.02, at most 50 iterations). */
export interface DeepFoolOptions {
  overshoot: number;
  maxIterations: number;
}

export const DEEPFOOL_DEFAULTS: DeepFoolOptions = { overshoot: 0.02, maxIterations: 50 };

/** The scores of the rows (rows × classes) and the gradient of row i's score k (a view, cols values). */
interface Linearisation {
  scores: ArrayLike<number>;
  gradient(k: number, i: number): Float32Array;
}

/** Linearises the model at `current` (rows × cols); `dispose` frees what it keeps. */
type Lineariser = { at(current: Matrix): Promise<Linearisation>; dispose(): void };

/** On onnxruntime: one call an iteration for every class's gradient (row k · rows + i of the Jacobian). */
function nativeLineariser(problem: GradientProblem): Lineariser | undefined {
  const { rows, cols } = problem.inputs;
  const jacobian = problem.model.classJacobian?.(rows);
  if (!jacobian) return undefined;
  const x = new Float32Array(rows * cols);
  return {
    async at(current) {
      x.set(current.data);
      const { logits, jacobian: values } = await jacobian.evaluate(x);
      return { scores: logits, gradient: (k, i) => values.subarray((k * rows + i) * cols, (k * rows + i + 1) * cols) };
    },
    dispose: () => jacobian.release(),
  };
}

/** On tfjs: one backward pass a class (the gradient of the class's column sum: rows are independent). */
function tfjsLineariser(problem: GradientProblem): Lineariser {
  const { cols } = problem.inputs;
  const gradients = Array.from({ length: problem.model.classes }, (_, k) => tf.grad((x: tf.Tensor) => tf.sum(tf.slice(problem.model.logits(x as tf.Tensor2D), [0, k], [-1, 1]))));
  return {
    async at(current) {
      const x = matrixTensor(current);
      const logits = tf.tidy(() => problem.model.logits(x));
      const scores = await logits.data();
      const jacobian = await Promise.all(gradients.map(async (gradient) => {
        const g = tf.tidy(() => gradient(x));
        const values = (await g.data()) as Float32Array;
        g.dispose();
        return values;
      }));
      tf.dispose([x, logits]);
      return { scores, gradient: (k, i) => jacobian[k].subarray(i * cols, (i + 1) * cols) };
    },
    dispose: () => undefined,
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
 * One DeepFool step of row i from the linearisation at `current`: false when the row has met its
 * goal (no step), else its step added to `total` and the row moved to x0 + (1 + overshoot)·total,
 * clipped to the box. Apart from the async loop, so that V8 compiles it.
 */
function stepRow(problem: GradientProblem, { scores, gradient }: Linearisation, i: number, current: Matrix, total: Float64Array, overshoot: number): boolean {
  const { cols } = problem.inputs;
  const classes = problem.model.classes;
  const { lower, upper } = problem.domain;
  const x0 = problem.inputs.data;
  let predicted = 0;
  for (let k = 1; k < classes; k++) if (scores[i * classes + k] > scores[i * classes + predicted]) predicted = k;
  const done = problem.targets ? predicted === problem.targets[i] : predicted !== problem.labels[i];
  if (done) return false;
  // Linearise around the class the row has now (its prediction), toward the others or the target.
  let bestRatio = Infinity;
  let bestK = -1;
  let bestNorm2 = 0;
  const fromRow = gradient(predicted, i);
  const at = current.data.subarray(i * cols, (i + 1) * cols);
  for (let k = 0; k < classes; k++) {
    if (problem.targets ? k !== problem.targets[i] : k === predicted) continue;
    const f = scores[i * classes + k] - scores[i * classes + predicted];
    const norm2 = freeNorm2(gradient(k, i), fromRow, at, lower, upper);
    const ratio = Math.abs(f) / Math.sqrt(norm2 + 1e-20);
    if (ratio < bestRatio) {
      bestRatio = ratio;
      bestK = k;
      bestNorm2 = norm2;
    }
  }
  const f = scores[i * classes + bestK] - scores[i * classes + predicted];
  const scale = (Math.abs(f) + 1e-4) / (bestNorm2 + 1e-20);
  const toward = gradient(bestK, i);
  for (let j = 0; j < cols; j++) {
    total[i * cols + j] += scale * freeValue(toward[j] - fromRow[j], at[j], lower[j], upper[j]);
    const value = x0[i * cols + j] + (1 + overshoot) * total[i * cols + j];
    at[j] = Math.min(upper[j], Math.max(lower[j], value));
  }
  return true;
}

/** The attack. */
export async function deepFool(problem: GradientProblem, options: DeepFoolOptions = DEEPFOOL_DEFAULTS): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const total = new Float64Array(rows * cols);
  const current = createMatrix(rows, cols, Float64Array.from(problem.inputs.data));
  const active = new Uint8Array(rows).fill(1);
  const lineariser = nativeLineariser(problem) ?? tfjsLineariser(problem);
  try {
    for (let iteration = 0; iteration < options.maxIterations && active.some((flag) => flag); iteration++) {
      const linearisation = await lineariser.at(current);
      for (let i = 0; i < rows; i++) if (active[i]) active[i] = stepRow(problem, linearisation, i, current, total, options.overshoot) ? 1 : 0;
    }
  } finally {
    lineariser.dispose();
  }
  return current;
}
