/**
 * Exact extraction of a logistic or softmax model from d + 1 chosen queries. The attacker picks
 * the inputs: the zero vector and each unit vector e_j. For a softmax model
 * log(p_c / p₀)(0) = b_c − b₀ and log(p_c / p₀)(e_j) − log(p_c / p₀)(0) = w_cj − w₀j, so every
 * weight difference is read off one answer, with no system to solve. On the AT&T faces model
 * (40 × 10,304 weights) that is 10,305 queries and float64 arithmetic, where Tramèr et al. (2016,
 * §4.1.3) used 41,216 random queries and hours of solving to reach |Δp| ≈ 1e-3.
 */

import { createMatrix } from '../../math/matrix.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { ThreatlabError } from '../../errors.ts';
import type { Attack } from '../types.ts';
import { probabilities, queryAll } from './answers.ts';
import { linearLinkOf, type ExtractionOutcome } from './equation-solving.ts';

/** Parameters of the chosen-query attack. */
export const CHOSEN_QUERIES_PARAMS = {
  batch: { type: 'number', default: 1000, min: 1, integer: true, doc: 'rows per query call (an HTTP oracle splits each call into requests under the body limit)' },
} satisfies ParamSpecs;

/** Exact extraction from the zero vector and the unit vectors. */
export const chosenQueries: Attack<typeof CHOSEN_QUERIES_PARAMS, ExtractionOutcome> = {
  name: 'chosen-queries',
  family: 'extraction',
  needs: ['scores'],
  reference: 'Tramèr et al. 2016, §4.1 (equation solving), with inputs chosen by the attacker',
  params: CHOSEN_QUERIES_PARAMS,
  async run({ oracle, progress }, params) {
    const info = oracle.info;
    const link = linearLinkOf(info);
    if (link === 'ovr') throw new ThreatlabError('capability', 'chosen-query extraction needs softmax or logistic scores; one-vs-rest scores are not linear in the logits (use equation-solving with method=loss)');
    const d = info.inputSize;
    const classes = info.classes.length;
    const queries = createMatrix(d + 1, d);
    for (let j = 0; j < d; j++) queries.data[(j + 1) * d + j] = 1;
    progress.start('chosen queries', d + 1);
    const observed = probabilities(await queryAll(oracle, queries, params.batch), classes);
    progress.done();
    const logRatio = (row: number, c: number) => Math.log(observed.data[row * classes + c]) - Math.log(observed.data[row * classes]);
    const scores = link === 'logistic' ? 1 : classes;
    const weights = createMatrix(scores, d);
    const biases = new Float64Array(scores);
    for (let c = 1; c < classes; c++) {
      const row = link === 'logistic' ? 0 : c;
      const base = logRatio(0, c);
      if (!Number.isFinite(base)) throw new ThreatlabError('validation', `the answer at the zero vector has p = 0 for class ${c}; chosen queries cannot read its ratio`);
      biases[row] = base;
      for (let j = 0; j < d; j++) weights.data[row * d + j] = logRatio(j + 1, c) - base;
    }
    const surrogate = new LinearClassifier({ kind: link, classes: info.classes, schema: info.schema, weights, biases, params: { extractedBy: 'chosen-queries', queries: d + 1 } });
    return { surrogate, method: 'exact', unknowns: scores * (d + 1), undetermined: [] };
  },
};
