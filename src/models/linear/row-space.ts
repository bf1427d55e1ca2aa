/**
 * Exact reduction of an L2-penalised linear problem to the row space of its data. With fewer
 * rows than features (AT&T faces: 280 × 10,304), the optimal weights lie in the span of the
 * training rows (the representer theorem), w = Xᵀα. Factoring the Gram matrix K = XXᵀ = U S Uᵀ
 * and solving for β = S^{1/2} Uᵀ α over the features Φ = U S^{1/2} gives the same logits
 * (Φβ = Kα) and the same penalty (‖β‖² = αᵀKα = ‖w‖²): the same optimum, found over n instead
 * of d unknowns. The same factorisation turns kernel logistic regression into a linear problem.
 */

import { symmetricEigen } from '../../math/linalg.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';

/** The reduced design and the map from reduced coefficients back to row weights α. */
export interface RowSpace {
  /** Φ = U_r S_r^{1/2}: n × r, r the numerical rank of K. */
  design: Matrix;
  /** α = U_r S_r^{-1/2} β for one class's coefficients β (length r). */
  toRowWeights(beta: Float64Array): Float64Array;
}

/** Factorises a Gram (or kernel) matrix K (n × n, symmetric positive semi-definite). */
export function rowSpaceOf(kernel: Matrix): RowSpace {
  const n = kernel.rows;
  const { values, vectors } = symmetricEigen(kernel);
  const largest = Math.max(values[0] ?? 0, 0);
  const cutoff = largest * n * 1e-13;
  let rank = 0;
  while (rank < n && values[rank] > cutoff) rank++;
  rank = Math.max(rank, 1);
  const design = createMatrix(n, rank);
  const roots = new Float64Array(rank);
  for (let c = 0; c < rank; c++) roots[c] = Math.sqrt(Math.max(values[c], 0));
  for (let i = 0; i < n; i++) for (let c = 0; c < rank; c++) design.data[i * rank + c] = vectors.data[i * n + c] * roots[c];
  return {
    design,
    toRowWeights(beta) {
      const alpha = new Float64Array(n);
      for (let c = 0; c < rank; c++) {
        if (roots[c] === 0) continue;
        const scaled = beta[c] / roots[c];
        for (let i = 0; i < n; i++) alpha[i] += vectors.data[i * n + c] * scaled;
      }
      return alpha;
    },
  };
}
