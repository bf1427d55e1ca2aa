/**
 * Fidelity of an extracted model as Tramèr et al. (2016, §3) define it: agreement with the
 * target's labels on the test set (1 − R_test) and on points drawn uniformly from the feature
 * domain (1 − R_unif), and the largest difference of probability between the two (max |Δp|).
 */

import type { Matrix } from '../math/matrix.ts';
import type { Classifier } from '../models/types.ts';

/** Agreement and probability gaps between a target and a surrogate on some rows. */
export interface Agreement {
  rows: number;
  /** Share of rows with the same predicted class. */
  agreement: number;
  /** Largest |p_target − p_surrogate| over rows and classes. */
  maxProbabilityGap: number;
}

/** Compares two classifiers' answers on `rows`. */
export function agreementOn(target: Classifier, surrogate: Classifier, rows: Matrix): Agreement {
  const p = target.predictProba(rows);
  const q = surrogate.predictProba(rows);
  const a = target.predict(rows);
  const b = surrogate.predict(rows);
  let same = 0;
  for (let i = 0; i < rows.rows; i++) if (a[i] === b[i]) same++;
  let gap = 0;
  for (let k = 0; k < p.data.length; k++) gap = Math.max(gap, Math.abs(p.data[k] - q.data[k]));
  return { rows: rows.rows, agreement: rows.rows === 0 ? 1 : same / rows.rows, maxProbabilityGap: gap };
}

/** Fidelity on the test set and on uniform points. */
export interface Fidelity {
  test: Agreement;
  uniform: Agreement;
}

/** Fidelity of `surrogate` to `target` on `testRows` and `uniformRows`. */
export function fidelity(target: Classifier, surrogate: Classifier, testRows: Matrix, uniform: Matrix): Fidelity {
  return { test: agreementOn(target, surrogate, testRows), uniform: agreementOn(target, surrogate, uniform) };
}
