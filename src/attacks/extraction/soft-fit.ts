/**
 * Loss minimisation for extraction (Tramèr et al. 2016, §4.1.2, used when outputs are rounded
 * or the equations are not linear, as for one-vs-rest): fit a linear model of the target's family
 * to the observed probability vectors by minimising the cross-entropy Σ_i Σ_c −p_ic log q_ic with
 * L-BFGS in float64.
 */

import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { sigmoid, type LinearLink } from '../../models/linear/linear-classifier.ts';

/** Weights (scores × d) and biases fitted to observed probabilities. */
export function fitToProbabilities(link: LinearLink, raw: Matrix, observed: Matrix, maxIterations = 1000): { weights: Matrix; biases: Float64Array } {
  // Fit on columns scaled by their largest magnitude (well conditioned), then fold the scale back.
  const columnScale = new Float64Array(raw.cols).fill(0);
  for (let k = 0; k < raw.data.length; k++) columnScale[k % raw.cols] = Math.max(columnScale[k % raw.cols], Math.abs(raw.data[k]));
  columnScale.forEach((value, j) => (columnScale[j] = value > 0 ? value : 1));
  const x = createMatrix(raw.rows, raw.cols, Float64Array.from(raw.data, (value, k) => value / columnScale[k % raw.cols]));
  const { rows: n, cols: d } = x;
  const classes = observed.cols;
  const scores = link === 'logistic' ? 1 : classes;
  const stride = d + 1;
  const z = new Float64Array(scores);
  const q = new Float64Array(classes);
  const dz = new Float64Array(scores);
  const objective = (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = x.data.subarray(i * d, (i + 1) * d);
      const p = observed.data.subarray(i * classes, (i + 1) * classes);
      for (let c = 0; c < scores; c++) {
        let value = theta[c * stride + d];
        for (let j = 0; j < d; j++) value += theta[c * stride + j] * row[j];
        z[c] = value;
      }
      if (link === 'logistic') {
        // q1 = σ(z); loss −p0 log(1 − q1) − p1 log q1; dL/dz = q1 − p1
        const q1 = sigmoid(z[0]);
        loss += -(p[1] * logSigmoid(z[0]) + p[0] * logSigmoid(-z[0]));
        dz[0] = q1 - p[1];
      } else if (link === 'softmax') {
        let max = -Infinity;
        for (let c = 0; c < classes; c++) max = Math.max(max, z[c]);
        let total = 0;
        for (let c = 0; c < classes; c++) total += Math.exp(z[c] - max);
        const logTotal = Math.log(total) + max;
        for (let c = 0; c < classes; c++) {
          q[c] = Math.exp(z[c] - logTotal);
          loss -= p[c] * (z[c] - logTotal);
          dz[c] = q[c] - p[c];
        }
      } else {
        // one-vs-rest: q_c = σ(z_c) / Σ_j σ(z_j); dL/dz_j = (1 − σ_j)(q_j − p_j)
        let total = 0;
        for (let c = 0; c < classes; c++) total += sigmoid(z[c]);
        for (let c = 0; c < classes; c++) {
          const s = sigmoid(z[c]);
          q[c] = s / total;
          loss -= p[c] * Math.log(Math.max(q[c], 1e-300));
          dz[c] = (1 - s) * (q[c] - p[c]);
        }
      }
      for (let c = 0; c < scores; c++) {
        if (dz[c] === 0) continue;
        const offset = c * stride;
        for (let j = 0; j < d; j++) gradient[offset + j] += dz[c] * row[j];
        gradient[offset + d] += dz[c];
      }
    }
    return loss;
  };
  const result = minimizeLbfgs(objective, new Float64Array(scores * stride), { maxIterations, gradientTolerance: 1e-9 * n, valueTolerance: 1e-15 });
  const weights = createMatrix(scores, d);
  const biases = new Float64Array(scores);
  for (let c = 0; c < scores; c++) {
    for (let j = 0; j < d; j++) weights.data[c * d + j] = result.x[c * stride + j] / columnScale[j];
    biases[c] = result.x[c * stride + d];
  }
  return { weights, biases };
}

function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}
