/**
 * Per-record signals of a model's answer on a labelled record: the true-class confidence, its
 * loss, the entropy of the answer, and the logit-scaled confidence φ = log(p_y / (1 − p_y)) that
 * LiRA models as Gaussian (Carlini et al. 2022, §IV-B).
 */

import type { Matrix } from '../../math/matrix.ts';
import { roundTo } from '../../oracle/policy.ts';
import type { OutputPolicy } from '../../oracle/types.ts';
import type { Answer } from '../../oracle/types.ts';
import { ThreatlabError } from '../../errors.ts';

const TINY = 1e-30;

/** Probability rows from score answers (top-k answers give the listed classes, the rest share what is left). */
export function probabilityRows(answers: readonly Answer[], classes: number): number[][] {
  return answers.map((answer) => {
    switch (answer.kind) {
      case 'scores':
      case 'leaf':
        return answer.probabilities;
      case 'top-k': {
        const listed = answer.top.reduce((sum, entry) => sum + entry.probability, 0);
        const rest = (1 - listed) / Math.max(1, classes - answer.top.length);
        const row = new Array<number>(classes).fill(rest);
        for (const entry of answer.top) row[entry.label] = entry.probability;
        return row;
      }
      case 'label':
      case 'value':
        throw new ThreatlabError('capability', `this signal needs class probabilities; the oracle answered ${answer.kind}`);
    }
  });
}

/** Probability rows of a local model's predictions. */
export function matrixRows(probabilities: Matrix): number[][] {
  return Array.from({ length: probabilities.rows }, (_, i) => Array.from(probabilities.data.subarray(i * probabilities.cols, (i + 1) * probabilities.cols)));
}

/**
 * A local (shadow or reference) model's probability rows as the target's output policy publishes
 * them — rounded to its decimals, or its top k with the rest shared — so that an attack compares
 * the target's answers with its shadows' like with like. (Comparing exact shadow confidences with
 * rounded target ones inverted LiRA under rounded:1: AUC 0.45.)
 */
export function publishedRows(probabilities: Matrix, policy: OutputPolicy): number[][] {
  const rows = matrixRows(probabilities);
  if (policy.kind === 'rounded') return rows.map((row) => row.map((value) => roundTo(value, policy.decimals)));
  if (policy.kind !== 'top-k') return rows;
  return rows.map((row) => {
    const top = row.map((probability, label) => ({ label, probability })).sort((a, b) => b.probability - a.probability || a.label - b.label).slice(0, policy.k);
    const listed = top.reduce((sum, entry) => sum + entry.probability, 0);
    const out = new Array<number>(row.length).fill((1 - listed) / Math.max(1, row.length - top.length));
    for (const entry of top) out[entry.label] = entry.probability;
    return out;
  });
}

/**
 * A local model's probability matrix as the target's output policy publishes it, as a matrix: the
 * values rounded under `rounded`, the same matrix under `full`; undefined under `top-k`, whose rows
 * `publishedRows` makes. The per-record signals below read it without making a JavaScript array a
 * record (a Fashion-MNIST shadow's answers on LiRA's 10,000 candidates: as arrays 7.4 ms on the
 * client's thread and their collection after, from the matrix 0.22 ms).
 */
export function publishedMatrix(probabilities: Matrix, policy: OutputPolicy): Matrix | undefined {
  if (policy.kind === 'full' || policy.kind === 'label-only') return probabilities;
  if (policy.kind !== 'rounded') return undefined;
  const data = new Float64Array(probabilities.data.length);
  for (let k = 0; k < data.length; k++) data[k] = roundTo(probabilities.data[k], policy.decimals);
  return { rows: probabilities.rows, cols: probabilities.cols, data };
}

/** `scaledLogit(publishedRows(probabilities, policy), labels)`, the same values, from the matrix where the policy allows. */
export function publishedScaledLogit(probabilities: Matrix, policy: OutputPolicy, labels: ArrayLike<number>): Float64Array {
  const published = publishedMatrix(probabilities, policy);
  if (!published) return scaledLogit(publishedRows(probabilities, policy), labels);
  const { rows, cols, data } = published;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const at = i * cols;
    const label = labels[i];
    // A label with no column reads as the rows' arrays read it: not a number.
    if (!(label >= 0 && label < cols)) {
      out[i] = Number.NaN;
      continue;
    }
    let others = 0;
    for (let c = 0; c < cols; c++) if (c !== label) others += data[at + c];
    out[i] = Math.log(data[at + label] + TINY) - Math.log(others + TINY);
  }
  return out;
}

/** `trueConfidence(publishedRows(probabilities, policy), labels)`, from the matrix where the policy allows. */
export function publishedTrueConfidence(probabilities: Matrix, policy: OutputPolicy, labels: ArrayLike<number>): Float64Array {
  const published = publishedMatrix(probabilities, policy);
  if (!published) return trueConfidence(publishedRows(probabilities, policy), labels);
  return Float64Array.from({ length: published.rows }, (_, i) => (labels[i] >= 0 && labels[i] < published.cols ? published.data[i * published.cols + labels[i]] : Number.NaN));
}

/** p_y per record. */
export function trueConfidence(rows: readonly number[][], labels: ArrayLike<number>): Float64Array {
  return Float64Array.from(rows, (row, i) => row[labels[i]]);
}

/** φ = log p_y − log Σ_{y′≠y} p_y′, stable near 0 and 1. */
export function scaledLogit(rows: readonly number[][], labels: ArrayLike<number>): Float64Array {
  return Float64Array.from(rows, (row, i) => {
    let others = 0;
    for (let c = 0; c < row.length; c++) if (c !== labels[i]) others += row[c];
    return Math.log(row[labels[i]] + TINY) - Math.log(others + TINY);
  });
}

/** Shannon entropy of each answer (nats). */
export function entropy(rows: readonly number[][]): Float64Array {
  return Float64Array.from(rows, (row) => -row.reduce((sum, p) => sum + (p > 0 ? p * Math.log(p) : 0), 0));
}
