/**
 * The loss and gradient of kernel extraction's representer refinement (Tramèr et al. 2016, §4.1.3;
 * `refineRepresenters`) in WebAssembly (`rbf-representers.wat`): the JavaScript objective's
 * operations in its order — the same bits, tested — its rows' passes merged into one and two
 * centres (or classes) side by side in f64x2 lanes. The 5-class reproduction's 4,000 rows against
 * 300 centres in 20 dimensions: one evaluation ~150 ms in the loop.
 */

import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './rbf-representers.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  objective(x: number, targets: number, theta: number, gradient: number, scratch: number, m: number, d: number, k: number, classes: number, gamma: number): number;
}

/** The problem's shape: rows m × d, k centres, classes. */
export interface RepresenterShape {
  m: number;
  d: number;
  k: number;
  classes: number;
  gamma: number;
}

/**
 * An objective over θ = [centres (k × d), coefficients (classes × k), biases (classes)] for rows x
 * (m × d) and centred targets (m × classes), on an instance of its own: writes the gradient, returns the loss.
 */
export function representerObjectiveKernel(x: Float64Array, targets: Float64Array, shape: RepresenterShape): (theta: Float64Array, gradient: Float64Array) => number {
  const { m, d, k, classes, gamma } = shape;
  const exports = instantiate<Exports>(WASM_BASE64);
  const n = k * d + classes * k + classes;
  const { take, end } = byteLayout();
  const at = { x: take(8 * m * d), targets: take(8 * m * classes), theta: take(8 * n), gradient: take(8 * n), scratch: take(8 * (2 * d * k + k * classes + 2 * k + 2 * classes)) };
  ensureBytes(exports.memory, end());
  const buffer = exports.memory.buffer;
  new Float64Array(buffer, at.x, m * d).set(x.subarray(0, m * d));
  new Float64Array(buffer, at.targets, m * classes).set(targets.subarray(0, m * classes));
  const theta = new Float64Array(buffer, at.theta, n);
  const gradientOut = new Float64Array(buffer, at.gradient, n);
  return (point, gradient) => {
    theta.set(point);
    const loss = exports.objective(at.x, at.targets, at.theta, at.gradient, at.scratch, m, d, k, classes, gamma);
    gradient.set(gradientOut);
    return loss;
  };
}
