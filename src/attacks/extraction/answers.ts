/** Helpers shared by the extraction attacks: query in batches, read probability vectors. */

import { CapabilityError } from '../../errors.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import type { Answer, Oracle } from '../../oracle/types.ts';

/** Queries all rows, `batch` rows per request. */
export async function queryAll(oracle: Oracle, rows: Matrix, batch = 1000): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let start = 0; start < rows.rows; start += batch) {
    const indices = Array.from({ length: Math.min(batch, rows.rows - start) }, (_, k) => start + k);
    answers.push(...(await oracle.query(indices.length === rows.rows ? rows : selectRows(rows, indices))));
  }
  return answers;
}

/** The probability vectors of score (or leaf) answers, rows × classes. */
export function probabilities(answers: Answer[], classes: number): Matrix {
  const out = createMatrix(answers.length, classes);
  answers.forEach((answer, i) => {
    if (answer.kind !== 'scores' && answer.kind !== 'leaf') throw new CapabilityError(`expected probability answers, got ${answer.kind}`);
    out.data.set(answer.probabilities, i * classes);
  });
  return out;
}

/** The labels of any classification answers. */
export function labelsOf(answers: Answer[]): Int32Array {
  return Int32Array.from(answers, (answer) => {
    if (answer.kind === 'value') throw new CapabilityError('expected class answers from a classifier, got a regression value');
    return answer.label;
  });
}
