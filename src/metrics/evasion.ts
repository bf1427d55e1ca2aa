/**
 * Evasion metrics (Szegedy et al. 2014; Carlini & Wagner 2017): for each attacked row whether the
 * attack met its goal, the size of the perturbation ‖x' − x‖₂ and ‖x' − x‖∞ at success, and
 * robust accuracy (the share of all rows the model still labels right under attack).
 */

import type { Matrix } from '../math/matrix.ts';

/** ‖a − b‖₂ and ‖a − b‖∞ of row i. */
export function perturbationNorms(a: Matrix, b: Matrix, i: number): { l2: number; linf: number } {
  let sum = 0;
  let linf = 0;
  for (let j = 0; j < a.cols; j++) {
    const delta = Math.abs(a.data[i * a.cols + j] - b.data[i * b.cols + j]);
    sum += delta * delta;
    if (delta > linf) linf = delta;
  }
  return { l2: Math.sqrt(sum), linf };
}

/** The median of values (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The mean of values (NaN when empty). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** One row's outcome. */
export interface EvasionRowOutcome {
  /** Whether the row was attacked (a row already wrong, or already of the target class, is not). */
  attacked: boolean;
  success: boolean;
  label: number;
  adversarialLabel: number;
  l2: number;
  linf: number;
  /** Queries spent on the row (decision-based attacks). */
  queries?: number;
}

/** A run's summary. */
export interface EvasionSummary {
  rows: number;
  attacked: number;
  successes: number;
  successRate: number;
  medianL2: number;
  meanL2: number;
  medianLinf: number;
  meanLinf: number;
  /** Share of all rows whose adversarial label equals the true label (when true labels are known). */
  robustAccuracy?: number;
  /** Median queries per attacked row (decision-based attacks). */
  medianQueries?: number;
}

/** Summarises row outcomes; norms over the successful rows only. */
export function summariseEvasion(outcomes: readonly EvasionRowOutcome[], trueLabels?: Int32Array): EvasionSummary {
  const attacked = outcomes.filter((outcome) => outcome.attacked);
  const won = attacked.filter((outcome) => outcome.success);
  const queries = attacked.flatMap((outcome) => (outcome.queries === undefined ? [] : [outcome.queries]));
  return {
    rows: outcomes.length,
    attacked: attacked.length,
    successes: won.length,
    successRate: attacked.length ? won.length / attacked.length : Number.NaN,
    medianL2: median(won.map((outcome) => outcome.l2)),
    meanL2: mean(won.map((outcome) => outcome.l2)),
    medianLinf: median(won.map((outcome) => outcome.linf)),
    meanLinf: mean(won.map((outcome) => outcome.linf)),
    ...(trueLabels ? { robustAccuracy: outcomes.filter((outcome, i) => outcome.adversarialLabel === trueLabels[i]).length / outcomes.length } : {}),
    ...(queries.length ? { medianQueries: median(queries) } : {}),
  };
}
