/**
 * Penalised logistic losses and their gradients on a design matrix Φ (n × p), float64:
 * multinomial (softmax) and binary. Parameters are laid out class by class as [w_c (p), b_c];
 * the L2 penalty (l2 / 2)·‖w‖² spares the biases, as scikit-learn's LogisticRegression does
 * (l2 = 1 / C). The penalty may also be given per column (for a preconditioned design).
 * Rows are visited through their non-zero entries, so one-hot data (Adult: 14 of 108 columns
 * set) costs what its non-zeros cost.
 */

import type { Matrix } from '../../math/matrix.ts';
import type { Objective } from '../../math/lbfgs.ts';
import { sparseRows, type SparseRows } from '../../math/sparse-rows.ts';

function penaltyVector(l2: number | Float64Array, columns: number): Float64Array {
  return typeof l2 === 'number' ? new Float64Array(columns).fill(l2) : l2;
}

function addPenalty(theta: Float64Array, gradient: Float64Array, penalty: Float64Array, blocks: number): number {
  const p = penalty.length;
  let loss = 0;
  for (let c = 0; c < blocks; c++) {
    const offset = c * (p + 1);
    for (let j = 0; j < p; j++) {
      loss += 0.5 * penalty[j] * theta[offset + j] * theta[offset + j];
      gradient[offset + j] += penalty[j] * theta[offset + j];
    }
  }
  return loss;
}

/** Turns a row's logits into probabilities in place (shifted by their max: no overflow); returns its loss −log p_label. */
export function softmaxInPlace(logits: Float64Array, classes: number, label: number): number {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) if (logits[c] > max) max = logits[c];
  const labelLogit = logits[label];
  let total = 0;
  for (let c = 0; c < classes; c++) {
    logits[c] = Math.exp(logits[c] - max);
    total += logits[c];
  }
  for (let c = 0; c < classes; c++) logits[c] /= total;
  return Math.log(total) + max - labelLogit;
}

/** Σ_i [log Σ_c e^{z_ic} − z_{i,y_i}] + ½ Σ_j l2_j ‖W_{·j}‖², with z_i = W φ_i + b. */
export function softmaxObjective(design: Matrix, labels: Int32Array, classes: number, l2: number | Float64Array, rows: SparseRows = sparseRows(design)): Objective {
  const penalty = penaltyVector(l2, design.cols);
  const { start, columns, values } = rows;
  const stride = design.cols + 1;
  const bias = design.cols;
  const logits = new Float64Array(classes);
  return (theta, gradient) => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < design.rows; i++) {
      const from = start[i];
      const to = start[i + 1];
      for (let c = 0; c < classes; c++) {
        const offset = c * stride;
        let z = theta[offset + bias];
        for (let k = from; k < to; k++) z += theta[offset + columns[k]] * values[k];
        logits[c] = z;
      }
      const label = labels[i];
      loss += softmaxInPlace(logits, classes, label);
      for (let c = 0; c < classes; c++) {
        const residual = logits[c] - (c === label ? 1 : 0);
        if (residual === 0) continue;
        const offset = c * stride;
        for (let k = from; k < to; k++) gradient[offset + columns[k]] += residual * values[k];
        gradient[offset + bias] += residual;
      }
    }
    return loss + addPenalty(theta, gradient, penalty, classes);
  };
}

/** Σ_i log(1 + e^{−s_i z_i}) + ½ Σ_j l2_j w_j², s_i = ±1 from `positive`, z_i = w·φ_i + b. */
export function binaryObjective(design: Matrix, positive: Uint8Array, l2: number | Float64Array, rows: SparseRows = sparseRows(design)): Objective {
  const penalty = penaltyVector(l2, design.cols);
  const { start, columns, values } = rows;
  const bias = design.cols;
  return (theta, gradient) => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < design.rows; i++) {
      const from = start[i];
      const to = start[i + 1];
      let z = theta[bias];
      for (let k = from; k < to; k++) z += theta[columns[k]] * values[k];
      const sign = positive[i] ? 1 : -1;
      const margin = sign * z;
      // log(1 + e^{−m}) computed stably; d/dz = −s · σ(−m)
      loss += margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
      const weight = -sign / (1 + Math.exp(margin));
      for (let k = from; k < to; k++) gradient[columns[k]] += weight * values[k];
      gradient[bias] += weight;
    }
    return loss + addPenalty(theta, gradient, penalty, 1);
  };
}
