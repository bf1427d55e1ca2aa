/**
 * Fidelity against an oracle rather than a model in hand (a target behind an API): the target's
 * answers on the evaluation rows against the surrogate's predictions. Probability gaps are
 * measured where the oracle reveals probabilities.
 */

import { selectRows, type Matrix } from '../math/matrix.ts';
import type { Classifier } from '../models/types.ts';
import type { Oracle } from '../oracle/types.ts';
import type { Agreement } from './fidelity.ts';

/** Agreement of `surrogate` with the answers of `oracle` on `rows` (queried in batches). */
export async function oracleAgreement(oracle: Oracle, surrogate: Classifier, rows: Matrix, batch = 1000): Promise<Agreement> {
  const q = surrogate.predictProba(rows);
  const labels = surrogate.predict(rows);
  let same = 0;
  let gap = 0;
  for (let start = 0; start < rows.rows; start += batch) {
    const indices = Array.from({ length: Math.min(batch, rows.rows - start) }, (_, k) => start + k);
    const answers = await oracle.query(selectRows(rows, indices));
    answers.forEach((answer, k) => {
      const i = start + k;
      if (answer.kind === 'value') return;
      if (answer.label === labels[i]) same++;
      if (answer.kind === 'scores' || answer.kind === 'leaf') {
        answer.probabilities.forEach((p, c) => (gap = Math.max(gap, Math.abs(p - q.data[i * q.cols + c]))));
      }
    });
  }
  return { rows: rows.rows, agreement: rows.rows === 0 ? 1 : same / rows.rows, maxProbabilityGap: gap };
}
