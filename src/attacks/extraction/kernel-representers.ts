/**
 * Representer refinement for kernel extraction (Tramèr et al. 2016, §4.1.3: with the target's
 * representers unknown, "we solve for them too"): the centres q_r of the surrogate
 * f_c(x) = Σ_r β_cr exp(−γ‖x − q_r‖²) + b_c move together with β and b, by L-BFGS on the
 * log-ratio equations — the squared error between the surrogate's centred scores and the
 * centred log-probabilities the API answered. Starting from the least-squares solution at fixed
 * centres, the centres drift toward where the target's own representers (its training rows) are.
 */

import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { representerObjectiveKernel, type RepresenterShape } from '../../math/wasm/rbf-representers-kernel.ts';

/** A kernel surrogate's parameters. */
export interface KernelParameters {
  centres: Matrix;
  /** Classes × centres. */
  coefficients: Matrix;
  biases: Float64Array;
}

/** Centred log-probabilities per row, or undefined for rows with a zero probability. */
function centredLogProbabilities(observed: Matrix): { rows: number[]; targets: Float64Array } {
  const classes = observed.cols;
  const rows: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < observed.rows; i++) {
    const logs = Array.from(observed.data.subarray(i * classes, (i + 1) * classes), Math.log);
    if (!logs.every(Number.isFinite)) continue;
    const mean = logs.reduce((a, b) => a + b, 0) / classes;
    rows.push(i);
    targets.push(...logs.map((value) => value - mean));
  }
  return { rows, targets: Float64Array.from(targets) };
}

/** Which implementation evaluates the refinement's loss and gradient (the same bits): WebAssembly, or the JavaScript loop it follows. */
export type RepresenterKernel = 'wasm' | 'js';

/** Refines centres, coefficients and biases together; returns the refined parameters and the final loss. */
export function refineRepresenters(points: Matrix, observed: Matrix, gamma: number, start: KernelParameters, iterations: number, kernelKind: RepresenterKernel = 'wasm'): KernelParameters & { loss: number } {
  const { rows, targets } = centredLogProbabilities(observed);
  const d = points.cols;
  const k = start.centres.rows;
  const classes = observed.cols;
  const x = Float64Array.from(rows.flatMap((i) => Array.from(points.data.subarray(i * d, (i + 1) * d))));
  // θ = [centres (k × d), coefficients (classes × k), biases (classes)].
  const theta0 = new Float64Array(k * d + classes * k + classes);
  theta0.set(start.centres.data, 0);
  theta0.set(start.coefficients.data, k * d);
  theta0.set(start.biases, k * d + classes * k);
  const shape = { m: rows.length, d, k, classes, gamma };
  const objective = kernelKind === 'wasm' ? representerObjectiveKernel(x, targets, shape) : representerObjective(x, targets, shape);
  const result = minimizeLbfgs(objective, theta0, { maxIterations: iterations, gradientTolerance: 1e-12, valueTolerance: 1e-16, memory: 20, lineSearch: 'strong-wolfe' });
  return {
    centres: createMatrix(k, d, result.x.slice(0, k * d)),
    coefficients: createMatrix(classes, k, result.x.slice(k * d, k * d + classes * k)),
    biases: result.x.slice(k * d + classes * k),
    loss: result.value,
  };
}

/** The refinement's loss and gradient in JavaScript: the squared error of the centred scores against the targets, over m, and its gradient in θ. */
export function representerObjective(x: Float64Array, targets: Float64Array, shape: RepresenterShape): (theta: Float64Array, gradient: Float64Array) => number {
  const { m, d, k, classes, gamma } = shape;
  const kernel = new Float64Array(m * k);
  const residual = new Float64Array(m * classes);
  const weight = new Float64Array(k);
  const objective = (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    const beta = theta.subarray(k * d, k * d + classes * k);
    const bias = theta.subarray(k * d + classes * k);
    for (let i = 0; i < m; i++) {
      for (let r = 0; r < k; r++) {
        let distance = 0;
        for (let j = 0; j < d; j++) {
          const diff = x[i * d + j] - theta[r * d + j];
          distance += diff * diff;
        }
        kernel[i * k + r] = Math.exp(-gamma * distance);
      }
    }
    let loss = 0;
    for (let i = 0; i < m; i++) {
      let mean = 0;
      for (let c = 0; c < classes; c++) {
        let score = bias[c];
        for (let r = 0; r < k; r++) score += beta[c * k + r] * kernel[i * k + r];
        residual[i * classes + c] = score;
        mean += score / classes;
      }
      for (let c = 0; c < classes; c++) {
        const value = residual[i * classes + c] - mean - targets[i * classes + c];
        residual[i * classes + c] = value / m;
        loss += (value * value) / (2 * m);
      }
    }
    // The residuals are centred per row, so they are also dL/d(score).
    for (let i = 0; i < m; i++) {
      weight.fill(0);
      for (let c = 0; c < classes; c++) {
        const e = residual[i * classes + c];
        gradient[k * d + classes * k + c] += e;
        for (let r = 0; r < k; r++) {
          gradient[k * d + c * k + r] += e * kernel[i * k + r];
          weight[r] += e * beta[c * k + r];
        }
      }
      // d k(x, q) / d q = 2γ (x − q) k(x, q).
      for (let r = 0; r < k; r++) {
        const factor = 2 * gamma * weight[r] * kernel[i * k + r];
        if (factor === 0) continue;
        for (let j = 0; j < d; j++) gradient[r * d + j] += factor * (x[i * d + j] - theta[r * d + j]);
      }
    }
    return loss;
  };
  return objective;
}
