/**
 * The black-box MAP inversion estimator of Fredrikson et al. (USENIX Security 2014, §4), reused
 * against decision trees in their CCS 2015 paper (§3): the attacker knows every feature of a
 * person but the sensitive one, and the model's output y for that person (the dose a doctor
 * prescribed, the answer a survey respondent gave). For each candidate level v it queries the
 * model on the person's features with v filled in, and scores
 *
 *     score(v) = Σ_u π(y | f(x, v, u)) · p(v) · p(u)
 *
 * where u ranges over the levels of other unknown features (summed out by their priors), π is
 * the model's error model — the confusion matrix π(y | ŷ) for a classifier, a Gaussian with
 * the model's training RMSE for a regressor — and p the marginal priors. The posterior is the
 * normalised score; the guess its argmax. Queries: |levels| · Π|levels of u| per target.
 */

import { ValidationError } from '../../errors.ts';
import { labelErrorModel } from '../../metrics/confusion.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { Oracle } from '../../oracle/types.ts';
import { argmax, posteriorOf, type AttributeInversionOutcome } from './types.ts';
import { setLevel, type SensitiveFeature } from './sensitive.ts';

/** How the model's output relates to the truth. */
export type ErrorModel =
  /** π[predicted][true] for a classifier. */
  | { kind: 'confusion'; matrix: number[][] }
  /** y ~ N(f(x), σ²) for a regressor. */
  | { kind: 'gaussian'; sigma: number };

/** A feature the attacker does not know, with its prior. */
export interface UnknownFeature {
  feature: SensitiveFeature;
  prior: Float64Array;
}

/** Inputs of the MAP estimator. */
export interface MapInversionInput {
  /** Encoded rows of the targets; the sensitive and unknown features' columns are overwritten. */
  rows: Matrix;
  /** Observed output per target: a class index, or the regression value. */
  observed: ArrayLike<number>;
  sensitive: UnknownFeature;
  /** Other unknown categorical features, summed out by their priors. */
  marginalize?: UnknownFeature[];
  error: ErrorModel;
  /** Rows per oracle call. */
  batch?: number;
}

/** Every combination of levels of the unknown features, with its prior weight. */
function combinations(unknowns: UnknownFeature[]): { levels: number[]; weight: number }[] {
  let combos = [{ levels: [] as number[], weight: 1 }];
  for (const { prior } of unknowns) {
    combos = combos.flatMap((combo) => Array.from(prior, (p, level) => ({ levels: [...combo.levels, level], weight: combo.weight * p })));
  }
  return combos;
}

function likelihood(error: ErrorModel, observed: number, output: number): number {
  if (error.kind === 'confusion') return error.matrix[output]?.[observed] ?? 0;
  const z = (observed - output) / error.sigma;
  return Math.exp(-0.5 * z * z);
}

/** Runs the MAP estimator against an oracle (labels, scores or values are all it needs). */
export async function mapInversion(oracle: Oracle, input: MapInversionInput): Promise<AttributeInversionOutcome> {
  const { rows, observed, sensitive, error } = input;
  if (observed.length !== rows.rows) {
    throw new ValidationError('cannot invert', [{ path: 'observed', message: `${observed.length} outputs for ${rows.rows} targets; give one per target` }]);
  }
  const unknowns = [sensitive, ...(input.marginalize ?? [])];
  const combos = combinations(unknowns);
  const perTarget = combos.length;
  const targetsPerBatch = Math.max(1, Math.floor((input.batch ?? 5000) / perTarget));
  const levels = sensitive.feature.levels.length;
  const posteriors: number[][] = [];
  for (let first = 0; first < rows.rows; first += targetsPerBatch) {
    const count = Math.min(targetsPerBatch, rows.rows - first);
    const queries = createMatrix(count * perTarget, rows.cols);
    for (let t = 0; t < count; t++) {
      const source = rows.data.subarray((first + t) * rows.cols, (first + t + 1) * rows.cols);
      combos.forEach((combo, c) => {
        const row = queries.data.subarray((t * perTarget + c) * rows.cols, (t * perTarget + c + 1) * rows.cols);
        row.set(source);
        unknowns.forEach((unknown, u) => setLevel(row, unknown.feature, combo.levels[u]));
      });
    }
    const answers = await oracle.query(queries);
    for (let t = 0; t < count; t++) {
      const scores = new Float64Array(levels);
      combos.forEach((combo, c) => {
        const answer = answers[t * perTarget + c];
        const output = answer.kind === 'value' ? answer.value : answer.label;
        scores[combo.levels[0]] += likelihood(error, observed[first + t], output) * combo.weight;
      });
      posteriors.push(posteriorOf(scores, sensitive.prior));
    }
  }
  return { feature: sensitive.feature.name, levels: sensitive.feature.levels, posteriors, guesses: posteriors.map(argmax) };
}

/**
 * The error model an attacker can measure through the oracle on rows whose outputs they know
 * (their own labelled data): the confusion matrix π(y | ŷ) for a classifier, the RMSE for a
 * regressor. Costs one query per row.
 */
export async function measureErrorModel(oracle: Oracle, rows: Matrix, observed: ArrayLike<number>): Promise<ErrorModel> {
  const answers = await oracle.query(rows);
  if (oracle.info.task === 'regression') {
    let squares = 0;
    answers.forEach((answer, i) => {
      if (answer.kind === 'value') squares += (answer.value - observed[i]) ** 2;
    });
    return { kind: 'gaussian', sigma: Math.sqrt(squares / Math.max(1, answers.length)) || 1 };
  }
  const classes = oracle.info.classes.length;
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  answers.forEach((answer, i) => {
    if (answer.kind !== 'value') counts[observed[i]][answer.label] += 1;
  });
  return { kind: 'confusion', matrix: labelErrorModel(counts) };
}
