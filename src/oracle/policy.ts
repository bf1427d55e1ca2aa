/**
 * Output policies: how a model's answers are shaped before they leave the service — full
 * scores, scores rounded to k decimals (the countermeasure Tramèr et al. 2016 §8 measure),
 * label only, or the top k classes. Trees answer BigML-style (prediction, confidence, count).
 */

import { ThreatlabError, ValidationError } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import { DecisionTree } from '../models/tree/decision-tree.ts';
import { argmaxRows, type Model } from '../models/types.ts';
import type { Answer, OutputPolicy, Reveals } from './types.ts';

/** Parses `full`, `rounded:K`, `label`/`label-only`, `top:K`/`top-k:K`. */
export function parsePolicy(text: string): OutputPolicy {
  // Strict: a name, and for rounded/top-k a colon and plain decimal digits, nothing else.
  const [, name, argument] = /^([a-z-]+)(?::(\d{1,3}))?$/.exec(text) ?? [];
  const number = Number(argument);
  switch (name) {
    case 'full':
      if (argument === undefined) return { kind: 'full' };
      break;
    case 'rounded':
      if (Number.isInteger(number) && number >= 0 && number <= 15) return { kind: 'rounded', decimals: number };
      break;
    case 'label':
    case 'label-only':
      if (argument === undefined) return { kind: 'label-only' };
      break;
    case 'top':
    case 'top-k':
      if (Number.isInteger(number) && number >= 1) return { kind: 'top-k', k: number };
      break;
  }
  throw new ValidationError('invalid output policy', [
    { path: 'policy', message: `"${text}"; use full, rounded:K (0–15 decimals), label-only or top-k:K` },
  ]);
}

/** The policy as text (the inverse of `parsePolicy`). */
export function formatPolicy(policy: OutputPolicy): string {
  switch (policy.kind) {
    case 'full':
      return 'full';
    case 'rounded':
      return `rounded:${policy.decimals}`;
    case 'label-only':
      return 'label-only';
    case 'top-k':
      return `top-k:${policy.k}`;
  }
}

/** What a model answers under a policy. */
export function revealsOf(model: Pick<Model, 'kind' | 'task'> & { classes?: readonly string[] }, policy: OutputPolicy): Reveals {
  if (model.task === 'regression') {
    if (policy.kind === 'full' || policy.kind === 'rounded') return 'value';
    throw new ThreatlabError('validation', `policy "${formatPolicy(policy)}" needs classes; a regression model is published as full or rounded:K`);
  }
  switch (policy.kind) {
    case 'full':
    case 'rounded':
      return model.kind === 'tree' ? 'leaf' : 'scores';
    case 'label-only':
      return 'label';
    case 'top-k':
      if (policy.k > (model.classes?.length ?? 0)) {
        throw new ThreatlabError('validation', `top-k:${policy.k} exceeds the model's ${model.classes?.length ?? 0} classes`);
      }
      return 'top-k';
  }
}

/** Rounds half away from zero to `decimals` places. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return (Math.sign(value) * Math.round(Math.abs(value) * factor)) / factor;
}

/** A value as the policy shows it: rounded under `rounded`, else as it is. */
function shown(value: number, policy: OutputPolicy): number {
  return policy.kind === 'rounded' ? roundTo(value, policy.decimals) : value;
}

/**
 * Answers rows under a policy (validated by `revealsOf` first). The scores' path — every predict
 * request's, on the server's thread — makes no closures: under tsx each one made is also named,
 * and that naming alone was 1.3% of a 1-row request's time there.
 */
export function answerRows(model: Model, policy: OutputPolicy, rows: Matrix): Answer[] {
  const reveals = revealsOf(model, policy);
  if (model.task === 'regression') return Array.from(model.predictValues(rows), (value) => ({ kind: 'value', value: shown(value, policy) }));
  if (reveals === 'leaf' && model instanceof DecisionTree) {
    return model.explain(rows).map((leaf) => ({
      kind: 'leaf',
      label: leaf.prediction,
      probabilities: leaf.probabilities.map((value) => shown(value, policy)),
      confidence: shown(leaf.confidence, policy),
      count: leaf.count,
    }));
  }
  const proba = model.predictProba(rows);
  const labels = argmaxRows(proba);
  const classes = proba.cols;
  const answers: Answer[] = [];
  for (let i = 0; i < rows.rows; i++) {
    const label = labels[i];
    switch (policy.kind) {
      case 'full':
      case 'rounded': {
        const probabilities = new Array<number>(classes);
        for (let c = 0; c < classes; c++) probabilities[c] = shown(proba.data[i * classes + c], policy);
        answers.push({ kind: 'scores', label, probabilities });
        break;
      }
      case 'label-only':
        answers.push({ kind: 'label', label });
        break;
      case 'top-k': {
        const order = Array.from(proba.data.subarray(i * classes, (i + 1) * classes), (probability, c) => ({ label: c, probability })).sort((a, b) => b.probability - a.probability || a.label - b.label);
        answers.push({ kind: 'top-k', label, top: order.slice(0, policy.k) });
        break;
      }
    }
  }
  return answers;
}
