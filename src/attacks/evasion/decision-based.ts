/**
 * The frame every decision-based evasion attack shares (HopSkipJump, the Boundary attack, and
 * membership by boundary distance): the rows' labels (queried when not given), one row at a time
 * through its own query counter, an untargeted start from noise the model mislabels, the result
 * made valid for the input domain and confirmed by one more query, and a budget that runs out
 * leaving the rows done so far.
 */

import { CapabilityError, hasCode, ValidationError } from '../../errors.ts';
import { createMatrix, rowView, type Matrix } from '../../math/matrix.ts';
import { perturbationNorms, summariseEvasion, type EvasionRowOutcome, type EvasionSummary } from '../../metrics/evasion.ts';
import type { ParamSpecs, ParamValues } from '../../models/params.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Rng } from '../../random.ts';
import { labelsOf } from '../extraction/answers.ts';
import type { Attack } from '../types.ts';
import { inputDomain, repairRow, type InputDomain } from './domain.ts';

/** What the attack perturbs: rows, their labels (queried when absent), targets and the target-class starts. */
export interface EvasionInputs {
  inputs: Matrix;
  labels?: Int32Array;
  /** Targeted: the label each row should get. */
  targets?: Int32Array;
  /** Targeted: rows the model labels as each row's target (the attacker's own). */
  starts?: Matrix;
  domain?: InputDomain;
}

/** The outcome of a decision-based run. */
export interface DecisionEvasionOutcome {
  adversarial: number[][];
  rows: EvasionRowOutcome[];
  summary: EvasionSummary;
  /** Set when the query budget ran out: why, and how many rows were done (the rest are left out). */
  budgetExhausted?: { message: string; rowsDone: number };
}

/** Whether each row meets the attack's goal (one query a row). */
export type Decide = (rows: Matrix) => Promise<boolean[]>;

/** What a decision-based attack does to one row. */
export type RowAttack = (decide: Decide, x: Float64Array, start: Float64Array | undefined, domain: InputDomain, rng: Rng, spent: () => number) => Promise<Float64Array | undefined>;

/**
 * The shared frame of the decision-based attacks: the rows' labels (queried when not given), one
 * row at a time through its own query counter, the result made valid and confirmed by a query.
 */
export async function decisionBasedRun(oracle: Oracle, evasion: EvasionInputs, rng: Rng, progress: { start(label: string, total: number): void; tick(steps?: number): void; done(): void }, attackOne: RowAttack): Promise<DecisionEvasionOutcome> {
  if (oracle.info.task !== 'classification') throw new CapabilityError('evasion needs a classifier; this model answers a regression value');
  const { inputs } = evasion;
  if (inputs.cols !== oracle.info.inputSize) throw new ValidationError('invalid rows', [{ path: 'inputs', message: `${inputs.cols} columns, but the model takes ${oracle.info.inputSize}` }]);
  if (evasion.targets && !evasion.starts) throw new ValidationError('invalid targeted attack', [{ path: 'starts', message: 'a targeted decision-based attack starts from a row of the target class; give the attacker\'s rows (--pool or --dataset) that contain one' }]);
  const domain = evasion.domain ?? inputDomain(oracle.info.schema);
  const labels = labelsOf(await oracle.query(inputs));
  // Targeted: the attacker's rows labelled once (paid once, not per row); the first of each label starts it.
  const startOf = new Map<number, Float64Array>();
  if (evasion.targets) labelsOf(await oracle.query(evasion.starts!)).forEach((label, k) => startOf.has(label) || startOf.set(label, rowView(evasion.starts!, k)));
  const adversarial = createMatrix(inputs.rows, inputs.cols, Float64Array.from(inputs.data));
  const outcomes: EvasionRowOutcome[] = [];
  let budgetExhausted: DecisionEvasionOutcome['budgetExhausted'];
  progress.start('rows', inputs.rows);
  for (let i = 0; i < inputs.rows; i++) {
    const own = evasion.labels?.[i] ?? labels[i];
    const target = evasion.targets?.[i];
    const goal = (label: number) => (target === undefined ? label !== own : label === target);
    const attacked = labels[i] === own && (target === undefined || target !== own);
    const counter = new CountingOracle(oracle);
    const decide: Decide = async (rows) => Array.from(labelsOf(await counter.query(rows)), goal);
    let adversarialLabel = labels[i];
    if (attacked) {
      try {
      const start = target === undefined ? undefined : startOf.get(target)?.slice();
      // The budget counts the confirming query at the end.
      const row = await attackOne(decide, rowView(inputs, i).slice(), start, domain, rng.fork(), () => counter.queries + 1);
      if (row) {
        repairRow(domain, row);
        adversarialLabel = labelsOf(await counter.query(createMatrix(1, inputs.cols, row)))[0];
        if (goal(adversarialLabel)) adversarial.data.set(row, i * inputs.cols);
        else adversarialLabel = labels[i];
      }
      } catch (error) {
        // The budget ran out: the rows done so far stand; the record says where it stopped.
        if (!hasCode(error, 'budget-exceeded')) throw error;
        budgetExhausted = { message: error.message, rowsDone: i };
        break;
      }
    }
    outcomes.push({ attacked, success: attacked && goal(adversarialLabel), label: own, adversarialLabel, ...perturbationNorms(adversarial, inputs, i), queries: counter.queries });
    progress.tick();
  }
  progress.done();
  const done = outcomes.length;
  return {
    adversarial: Array.from({ length: done }, (_, i) => Array.from(rowView(adversarial, i))),
    rows: outcomes,
    summary: summariseEvasion(outcomes, evasion.labels?.subarray(0, done)),
    ...(budgetExhausted ? { budgetExhausted } : {}),
  };
}


/** Uniform noise in the box, ten rows a request, until one meets the goal (untargeted starts). */
export async function noiseStart(decide: Decide, domain: InputDomain, rng: Rng, tries: number): Promise<Float64Array | undefined> {
  const d = domain.lower.length;
  for (let tried = 0; tried < tries; tried += 10) {
    const noise = createMatrix(10, d);
    for (let k = 0; k < noise.data.length; k++) noise.data[k] = domain.lower[k % d] + rng.uniform() * (domain.upper[k % d] - domain.lower[k % d]);
    const found = (await decide(noise)).indexOf(true);
    if (found >= 0) return rowView(noise, found).slice();
  }
  return undefined;
}

/** A decision-based attack on the given rows, as an `Attack` the runner counts and budgets. */
export function decisionAttack<S extends ParamSpecs>(name: string, reference: string, params: S, evasion: EvasionInputs, rowFor: (params: ParamValues<S>) => RowAttack): Attack<S, DecisionEvasionOutcome> {
  return {
    name,
    family: 'evasion',
    needs: ['label', 'scores', 'top-k', 'leaf'],
    reference,
    params,
    async run(context, values) {
      return decisionBasedRun(context.oracle, evasion, context.rng, context.progress, rowFor(values));
    },
  };
}
