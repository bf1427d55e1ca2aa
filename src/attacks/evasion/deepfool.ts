/**
 * DeepFool (Moosavi-Dezfooli, Fawzi & Frossard, CVPR 2016), L2: linearise the classifier at the
 * current point and step to the nearest linearised boundary, r = (|f_l| / ‖w_l‖²)·w_l with
 * l = argmin_k |f_k| / ‖w_k‖ over the other classes (only the target, when targeted), until the
 * label changes; the total step is scaled by 1 + overshoot. In a box (pixels in [0, 1]) the
 * linearisation uses only the coordinates free to move along w (a pixel at 0 cannot darken), so
 * each step reaches the linearised boundary inside the box instead of being clipped away.
 *
 * Each iteration needs every class score's gradient at each row still moving: one onnxruntime call
 * where the model has a graph (class-jacobian.ts), else one tfjs backward pass a class.
 */

import { tf } from '../../backend/tf.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import { matrixTensor, type GradientProblem } from './gradient-problem.ts';

/** DeepFool's settings (the paper's overshoot 0.02, at most 50 iterations). */
export interface DeepFoolOptions {
  overshoot: number;
  maxIterations: number;
}

export const DEEPFOOL_DEFAULTS: DeepFoolOptions = { overshoot: 0.02, maxIterations: 50 };

/** The scores of the rows linearised (their count × classes) and the gradient of the c-th one's score k (a view, cols values). */
interface Linearisation {
  scores: ArrayLike<number>;
  gradient(k: number, c: number): Float32Array;
}

/** Linearises the model at the rows `which` of `current` (rows × cols), in that order; `dispose` frees what it keeps. */
type Lineariser = { at(current: Matrix, which: Int32Array): Promise<Linearisation>; dispose(): void };

/** On onnxruntime: one call an iteration for every class's gradient at the rows still moving (row k · n + c of the Jacobian). */
function nativeLineariser(problem: GradientProblem): Lineariser | undefined {
  const { rows, cols } = problem.inputs;
  const jacobian = problem.model.classJacobian?.(rows);
  if (!jacobian) return undefined;
  const x = new Float32Array(rows * cols);
  return {
    async at(current, which) {
      const n = which.length;
      which.forEach((i, c) => x.set(current.data.subarray(i * cols, (i + 1) * cols), c * cols));
      const { logits, jacobian: values } = await jacobian.evaluate(x, n);
      return { scores: logits, gradient: (k, c) => values.subarray((k * n + c) * cols, (k * n + c + 1) * cols) };
    },
    dispose: () => jacobian.release(),
  };
}

/** On tfjs: one backward pass a class (the gradient of the class's column sum: rows are independent). */
function tfjsLineariser(problem: GradientProblem): Lineariser {
  const { cols } = problem.inputs;
  const gradients = Array.from({ length: problem.model.classes }, (_, k) => tf.grad((x: tf.Tensor) => tf.sum(tf.slice(problem.model.logits(x as tf.Tensor2D), [0, k], [-1, 1]))));
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
      return { scores, gradient: (k, c) => jacobian[k].subarray(c * cols, (c + 1) * cols) };
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
 * One DeepFool step of row i, the c-th of the linearisation at `current`: false when the row has
 * met its goal (no step), else its step added to `total` and the row moved to
 * x0 + (1 + overshoot)·total, clipped to the box. Apart from the async loop, so that V8 compiles it.
 */
function stepRow(problem: GradientProblem, { scores, gradient }: Linearisation, c: number, i: number, current: Matrix, total: Float64Array, overshoot: number): boolean {
  const { cols } = problem.inputs;
  const classes = problem.model.classes;
  const { lower, upper } = problem.domain;
  const x0 = problem.inputs.data;
  let predicted = 0;
  for (let k = 1; k < classes; k++) if (scores[c * classes + k] > scores[c * classes + predicted]) predicted = k;
  const done = problem.targets ? predicted === problem.targets[i] : predicted !== problem.labels[i];
  if (done) return false;
  // Linearise around the class the row has now (its prediction), toward the others or the target.
  let bestRatio = Infinity;
  let bestK = -1;
  let bestNorm2 = 0;
  const fromRow = gradient(predicted, c);
  const at = current.data.subarray(i * cols, (i + 1) * cols);
  for (let k = 0; k < classes; k++) {
    if (problem.targets ? k !== problem.targets[i] : k === predicted) continue;
    const f = scores[c * classes + k] - scores[c * classes + predicted];
    const norm2 = freeNorm2(gradient(k, c), fromRow, at, lower, upper);
    const ratio = Math.abs(f) / Math.sqrt(norm2 + 1e-20);
    if (ratio < bestRatio) {
      bestRatio = ratio;
      bestK = k;
      bestNorm2 = norm2;
    }
  }
  const f = scores[c * classes + bestK] - scores[c * classes + predicted];
  const scale = (Math.abs(f) + 1e-4) / (bestNorm2 + 1e-20);
  const toward = gradient(bestK, c);
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
    for (let iteration = 0; iteration < options.maxIterations; iteration++) {
      // Only the rows still moving are linearised: most meet their goal in two or three steps.
      const moving = Int32Array.from({ length: rows }, (_, i) => i).filter((i) => active[i] === 1);
      if (moving.length === 0) break;
      const linearisation = await lineariser.at(current, moving);
      moving.forEach((i, c) => (active[i] = stepRow(problem, linearisation, c, i, current, total, options.overshoot) ? 1 : 0));
    }
  } finally {
    lineariser.dispose();
  }
  return current;
}
