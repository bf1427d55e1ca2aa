/**
 * HopSkipJump (Chen, Jordan & Wainwright, IEEE S&P 2020): a decision-based evasion attack that
 * needs only the label of each query, so it runs through any oracle — in-process, over
 * `threatlab serve`, or against the user's own endpoint — and every query is counted and billed.
 *
 * From an adversarial starting point (random noise the model mislabels, or a row of the target
 * class) brought to the decision boundary by binary search, each iteration t:
 *   1. estimates the boundary's normal at x_t from the signs φ(x_t + δu_b) of B_t = B₀√t random
 *      unit directions u_b (one batched query), baseline-corrected (the paper's eq. 16);
 *   2. steps along it (L2) or its sign (L∞) by ξ_t = ‖x_t − x‖/√t, halved until still adversarial;
 *   3. binary-searches back toward x, to the boundary (blending for L2, clipping for L∞).
 * Stops at the per-row query budget or the iteration limit; the row returned is the last
 * boundary point, made valid for the input domain and confirmed by one last query.
 */

import { CapabilityError, hasCode, ValidationError } from '../../errors.ts';
import { createMatrix, rowView, type Matrix } from '../../math/matrix.ts';
import { perturbationNorms, summariseEvasion, type EvasionRowOutcome, type EvasionSummary } from '../../metrics/evasion.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Rng } from '../../random.ts';
import { labelsOf } from '../extraction/answers.ts';
import type { Attack } from '../types.ts';
import { inputDomain, repairRow, type InputDomain } from './domain.ts';

/** HopSkipJump's parameters (the paper's defaults: B₀ = 100, γ = 1). */
export const HOP_SKIP_JUMP_PARAMS = {
  norm: { type: 'choice', values: ['2', 'inf'] as const, default: '2', doc: 'the distance minimised: L2 or L∞' },
  maxQueries: { type: 'number', default: 5000, min: 10, integer: true, doc: 'queries per row at most' },
  iterations: { type: 'number', default: 64, min: 1, integer: true, doc: 'iterations at most' },
  initialEvaluations: { type: 'number', default: 100, min: 1, integer: true, doc: 'random directions B₀ of the first gradient estimate (B_t = B₀√t)' },
  gamma: { type: 'number', default: 1, above: 0, doc: 'binary search threshold θ = γ/d^{3/2} (L2) or γ/d² (L∞)' },
  initTries: { type: 'number', default: 100, min: 1, integer: true, doc: 'random noise rows tried for an untargeted start' },
} as const;

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

type Decide = (rows: Matrix) => Promise<boolean[]>;

function distance(a: Float64Array, b: Float64Array, norm: '2' | 'inf'): number {
  let value = 0;
  for (let j = 0; j < a.length; j++) {
    const delta = Math.abs(a[j] - b[j]);
    value = norm === '2' ? value + delta * delta : Math.max(value, delta);
  }
  return norm === '2' ? Math.sqrt(value) : value;
}

function clipInto(domain: InputDomain, row: Float64Array): Float64Array {
  for (let j = 0; j < row.length; j++) row[j] = Math.min(domain.upper[j], Math.max(domain.lower[j], row[j]));
  return row;
}

/** The point at α ∈ [0, 1] between x (α = 0) and the adversarial row (α = 1): a blend (L2) or a clip to an L∞ ball of α·‖Δ‖∞. */
function between(x: Float64Array, adversarial: Float64Array, alpha: number, norm: '2' | 'inf', linf: number): Float64Array {
  const out = new Float64Array(x.length);
  if (norm === '2') {
    for (let j = 0; j < x.length; j++) out[j] = x[j] + alpha * (adversarial[j] - x[j]);
    return out;
  }
  const radius = alpha * linf;
  for (let j = 0; j < x.length; j++) out[j] = Math.min(x[j] + radius, Math.max(x[j] - radius, adversarial[j]));
  return out;
}

/** Binary search from an adversarial row toward x, to within `threshold` of the boundary (α units). */
async function toBoundary(decide: Decide, x: Float64Array, adversarial: Float64Array, norm: '2' | 'inf', threshold: number, withinBudget: () => boolean): Promise<Float64Array> {
  const linf = distance(x, adversarial, 'inf');
  let low = 0;
  let high = 1;
  while (high - low > threshold && withinBudget()) {
    const middle = (low + high) / 2;
    const [isAdversarial] = await decide(createMatrix(1, x.length, between(x, adversarial, middle, norm, linf)));
    if (isAdversarial) high = middle;
    else low = middle;
  }
  return between(x, adversarial, high, norm, linf);
}

/** Estimates the boundary's normal at a boundary point from one batch of random directions (eq. 16). */
async function estimateGradient(decide: Decide, point: Float64Array, delta: number, count: number, norm: '2' | 'inf', domain: InputDomain, rng: Rng): Promise<Float64Array> {
  const d = point.length;
  const directions = createMatrix(count, d);
  const probes = createMatrix(count, d);
  for (let b = 0; b < count; b++) {
    const u = rowView(directions, b);
    let length = 0;
    for (let j = 0; j < d; j++) {
      u[j] = norm === '2' ? rng.normal() : 2 * rng.uniform() - 1;
      length += u[j] * u[j];
    }
    length = Math.sqrt(length);
    const probe = rowView(probes, b);
    for (let j = 0; j < d; j++) probe[j] = point[j] + (delta * u[j]) / length;
    clipInto(domain, probe);
    // The direction actually taken after clipping.
    for (let j = 0; j < d; j++) u[j] = (probe[j] - point[j]) / delta;
  }
  const signs = (await decide(probes)).map((flag) => (flag ? 1 : -1));
  const mean = signs.reduce((sum, value) => sum + value, 0) / count;
  const gradient = new Float64Array(d);
  for (let b = 0; b < count; b++) {
    const weight = Math.abs(mean) === 1 ? mean : signs[b] - mean;
    const u = rowView(directions, b);
    for (let j = 0; j < d; j++) gradient[j] += (weight * u[j]) / count;
  }
  let length = 0;
  for (let j = 0; j < d; j++) length += gradient[j] * gradient[j];
  length = Math.sqrt(length) || 1;
  return gradient.map((value) => value / length);
}

/** The attack on one row; returns the last boundary point (undefined when no start was found). */
async function attackRow(decide: Decide, x: Float64Array, start: Float64Array | undefined, params: HopSkipJumpParams, domain: InputDomain, rng: Rng, spent: () => number): Promise<Float64Array | undefined> {
  const d = x.length;
  const theta = params.norm === '2' ? params.gamma / d ** 1.5 : params.gamma / d ** 2;
  const withinBudget = () => spent() < params.maxQueries;
  let adversarial = start;
  // Untargeted start: uniform noise in the box the model mislabels.
  for (let tries = 0; !adversarial && tries < params.initTries; tries += 10) {
    const noise = createMatrix(10, d);
    for (let k = 0; k < noise.data.length; k++) noise.data[k] = domain.lower[k % d] + rng.uniform() * (domain.upper[k % d] - domain.lower[k % d]);
    const found = (await decide(noise)).indexOf(true);
    if (found >= 0) adversarial = rowView(noise, found).slice();
  }
  if (!adversarial) return undefined;
  let point = await toBoundary(decide, x, adversarial, params.norm, theta, withinBudget);
  for (let t = 1; t <= params.iterations && spent() < params.maxQueries; t++) {
    const gap = distance(point, x, params.norm);
    const delta = t === 1 ? 0.1 * Math.max(...domain.upper.map((upper, j) => upper - domain.lower[j])) : (params.norm === '2' ? Math.sqrt(d) : d) * theta * gap;
    const evaluations = Math.min(Math.round(params.initialEvaluations * Math.sqrt(t)), Math.max(1, params.maxQueries - spent()));
    const gradient = await estimateGradient(decide, point, delta, evaluations, params.norm, domain, rng);
    const direction = params.norm === '2' ? gradient : gradient.map(Math.sign);
    // Geometric step-size search: ξ = ‖x_t − x‖/√t, halved until the step stays adversarial.
    let step = distance(point, x, '2') / Math.sqrt(t);
    let next: Float64Array | undefined;
    while (step > 1e-8 && spent() < params.maxQueries) {
      const candidate = clipInto(domain, Float64Array.from(point, (value, j) => value + step * direction[j]));
      if ((await decide(createMatrix(1, d, candidate)))[0]) {
        next = candidate;
        break;
      }
      step /= 2;
    }
    if (!next) break;
    point = await toBoundary(decide, x, next, params.norm, theta, withinBudget);
  }
  return point;
}

/** HopSkipJump's settings. */
export type HopSkipJumpParams = { norm: '2' | 'inf'; maxQueries: number; iterations: number; initialEvaluations: number; gamma: number; initTries: number };

/** HopSkipJump on one row, for `decisionBasedRun` (membership by boundary distance uses it too). */
export function hopSkipJumpRow(params: HopSkipJumpParams): RowAttack {
  return (decide, x, start, domain, rng, spent) => attackRow(decide, x, start, params, domain, rng, spent);
}

/** The attack, on the given rows, as an `Attack` the runner counts and budgets. */
export function hopSkipJump(evasion: EvasionInputs): Attack<typeof HOP_SKIP_JUMP_PARAMS, DecisionEvasionOutcome> {
  return {
    name: 'hop-skip-jump',
    family: 'evasion',
    needs: ['label', 'scores', 'top-k', 'leaf'],
    reference: 'Chen, Jordan & Wainwright, "HopSkipJumpAttack: a query-efficient decision-based attack", IEEE S&P 2020',
    params: HOP_SKIP_JUMP_PARAMS,
    async run(context, params) {
      return decisionBasedRun(context.oracle, evasion, context.rng, context.progress, hopSkipJumpRow(params));
    },
  };
}

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
