/**
 * Output policies as a countermeasure on any oracle (Tramèr et al. 2016 §8; Fredrikson et al.
 * 2015 §7): an oracle decorator that reshapes the full answers of a target — a model file, an
 * ONNX model, an endpoint — as a service publishing it under another policy would answer:
 * scores rounded to k decimals, the top k classes, or the label only. An audit measures each
 * attack under each candidate policy through it, and a price per query can be set for the
 * cost the audit reports.
 */

import { ThreatlabError } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import { formatPolicy, roundTo } from '../oracle/policy.ts';
import type { Answer, Oracle, OracleInfo, OutputPolicy, Reveals } from '../oracle/types.ts';

/** What a target answering `reveals` shows under `policy`, or why it cannot. */
export function revealsUnder(reveals: Reveals, policy: OutputPolicy): Reveals {
  if (reveals === 'value') {
    if (policy.kind === 'full' || policy.kind === 'rounded') return 'value';
    throw new ThreatlabError('validation', `policy "${formatPolicy(policy)}" needs classes; a regression model is published as full or rounded:K`);
  }
  if (policy.kind === 'label-only') return 'label';
  if (reveals === 'label') throw new ThreatlabError('capability', `the target answers labels only, so "${formatPolicy(policy)}" cannot be measured through it; measure label-only, or give the model file`);
  if (policy.kind === 'top-k') return 'top-k';
  return reveals;
}

/** A target reshaped under an output policy (and, optionally, a price per query). */
export class PolicyOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly inner: Oracle;
  private readonly policy: OutputPolicy;

  constructor(inner: Oracle, policy: OutputPolicy, price = inner.info.price) {
    // A target already answering under the policy passes through; other policies need full answers.
    if (inner.info.policy.kind !== 'full' && formatPolicy(inner.info.policy) !== formatPolicy(policy)) {
      throw new ThreatlabError('capability', `the target already answers under "${formatPolicy(inner.info.policy)}"; other policies are measured from full answers`);
    }
    if (policy.kind === 'top-k' && policy.k > inner.info.classes.length) {
      throw new ThreatlabError('validation', `top-k:${policy.k} exceeds the model's ${inner.info.classes.length} classes`);
    }
    this.inner = inner;
    this.policy = policy;
    this.info = { ...inner.info, policy, reveals: revealsUnder(inner.info.reveals, policy), price };
  }

  async query(rows: Matrix): Promise<Answer[]> {
    return (await this.inner.query(rows)).map((answer) => this.reshape(answer));
  }

  private reshape(answer: Answer): Answer {
    const policy = this.policy;
    const round = (value: number) => (policy.kind === 'rounded' ? roundTo(value, policy.decimals) : value);
    switch (answer.kind) {
      case 'value':
        return { kind: 'value', value: round(answer.value) };
      case 'label':
      case 'top-k':
        if (policy.kind === 'label-only') return { kind: 'label', label: answer.label };
        return answer;
      case 'scores':
      case 'leaf': {
        if (policy.kind === 'label-only') return { kind: 'label', label: answer.label };
        if (policy.kind === 'top-k') {
          const order = answer.probabilities.map((probability, label) => ({ label, probability })).sort((a, b) => b.probability - a.probability || a.label - b.label);
          return { kind: 'top-k', label: answer.label, top: order.slice(0, policy.k) };
        }
        if (answer.kind === 'leaf') return { ...answer, probabilities: answer.probabilities.map(round), confidence: round(answer.confidence) };
        return { kind: 'scores', label: answer.label, probabilities: answer.probabilities.map(round) };
      }
    }
  }
}
