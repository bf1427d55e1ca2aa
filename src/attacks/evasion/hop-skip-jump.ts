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

import { createMatrix, rowView, type Matrix } from '../../math/matrix.ts';
import { clipRowsToBox } from '../../math/wasm/box-clip-kernel.ts';
import type { Rng } from '../../random.ts';
import type { Attack } from '../types.ts';
import { decisionAttack, noiseStart, type Decide, type DecisionEvasionOutcome, type EvasionInputs, type RowAttack } from './decision-based.ts';
import type { InputDomain } from './domain.ts';

export { decisionBasedRun, type Decide, type DecisionEvasionOutcome, type EvasionInputs, type RowAttack } from './decision-based.ts';

/** HopSkipJump's parameters (the paper's defaults: B₀ = 100, γ = 1). */
export const HOP_SKIP_JUMP_PARAMS = {
  norm: { type: 'choice', values: ['2', 'inf'] as const, default: '2', doc: 'the distance minimised: L2 or L∞' },
  maxQueries: { type: 'number', default: 5000, min: 10, integer: true, doc: 'queries per row at most' },
  iterations: { type: 'number', default: 64, min: 1, integer: true, doc: 'iterations at most' },
  initialEvaluations: { type: 'number', default: 100, min: 1, integer: true, doc: 'random directions B₀ of the first gradient estimate (B_t = B₀√t)' },
  gamma: { type: 'number', default: 1, above: 0, doc: 'binary search threshold θ = γ/d^{3/2} (L2) or γ/d² (L∞)' },
  initTries: { type: 'number', default: 100, min: 1, integer: true, doc: 'random noise rows tried for an untargeted start' },
} as const;



function distance(a: Float64Array, b: Float64Array, norm: '2' | 'inf'): number {
  let value = 0;
  for (let j = 0; j < a.length; j++) {
    const delta = Math.abs(a[j] - b[j]);
    value = norm === '2' ? value + delta * delta : Math.max(value, delta);
  }
  return norm === '2' ? Math.sqrt(value) : value;
}

/** `row` clipped to the box in place (box-clip-kernel.ts: Math.min(upper, Math.max(lower, v)), value for value). */
function clipInto(domain: InputDomain, row: Float64Array): Float64Array {
  clipRowsToBox(row, row.length, 'all', domain.lower, domain.upper);
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

/**
 * The directions and probes of gradient estimates, kept from one estimate to the next of a run:
 * two fresh 627-KB matrices an estimate (100 MNIST directions) were fresh pages each time here,
 * ~13% of a Fashion-MNIST HopSkipJump run. Kept by the run, not in reused-matrices.ts's slots of
 * the thread: an estimate awaits its queries between writing its probes and reading them back,
 * and another run in the thread (a server's other job) may go in between.
 */
interface ProbeRoom {
  directions: Float64Array;
  probes: Float64Array;
}

/** `count` rows of `d` values of the room's directions and probes, the room grown to hold them. */
function probeMatrices(room: ProbeRoom, count: number, d: number): { directions: Matrix; probes: Matrix } {
  if (room.probes.length < count * d) {
    room.directions = new Float64Array(count * d);
    room.probes = new Float64Array(count * d);
  }
  return { directions: { rows: count, cols: d, data: room.directions.subarray(0, count * d) }, probes: { rows: count, cols: d, data: room.probes.subarray(0, count * d) } };
}

/** Estimates the boundary's normal at a boundary point from one batch of random directions (eq. 16). */
async function estimateGradient(decide: Decide, point: Float64Array, delta: number, count: number, norm: '2' | 'inf', domain: InputDomain, rng: Rng, room: ProbeRoom): Promise<Float64Array> {
  const d = point.length;
  const { directions, probes } = probeMatrices(room, count, d);
  for (let b = 0; b < count; b++) {
    const u = rowView(directions, b);
    if (norm === '2') rng.fillNormal(u);
    else for (let j = 0; j < d; j++) u[j] = 2 * rng.uniform() - 1;
    let length = 0;
    for (let j = 0; j < d; j++) length += u[j] * u[j];
    length = Math.sqrt(length);
    const probe = rowView(probes, b);
    for (let j = 0; j < d; j++) probe[j] = point[j] + (delta * u[j]) / length;
  }
  // Every probe clipped to the box at once (in JavaScript, value by value, ~7 ns each here).
  clipRowsToBox(probes.data, d, 'all', domain.lower, domain.upper);
  // The direction actually taken after clipping.
  for (let b = 0; b < count; b++) {
    const u = rowView(directions, b);
    const probe = rowView(probes, b);
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
async function attackRow(decide: Decide, x: Float64Array, start: Float64Array | undefined, params: HopSkipJumpParams, domain: InputDomain, rng: Rng, spent: () => number, room: ProbeRoom): Promise<Float64Array | undefined> {
  const d = x.length;
  const theta = params.norm === '2' ? params.gamma / d ** 1.5 : params.gamma / d ** 2;
  const withinBudget = () => spent() < params.maxQueries;
  const adversarial = start ?? (await noiseStart(decide, domain, rng, params.initTries));
  if (!adversarial) return undefined;
  let point = await toBoundary(decide, x, adversarial, params.norm, theta, withinBudget);
  for (let t = 1; t <= params.iterations && spent() < params.maxQueries; t++) {
    const gap = distance(point, x, params.norm);
    const delta = t === 1 ? 0.1 * Math.max(...domain.upper.map((upper, j) => upper - domain.lower[j])) : (params.norm === '2' ? Math.sqrt(d) : d) * theta * gap;
    const evaluations = Math.min(Math.round(params.initialEvaluations * Math.sqrt(t)), Math.max(1, params.maxQueries - spent()));
    const gradient = await estimateGradient(decide, point, delta, evaluations, params.norm, domain, rng, room);
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
  // The run's rows are attacked one after another: one room for their estimates.
  const room: ProbeRoom = { directions: new Float64Array(0), probes: new Float64Array(0) };
  return (decide, x, start, domain, rng, spent) => attackRow(decide, x, start, params, domain, rng, spent, room);
}

/** The attack, on the given rows, as an `Attack` the runner counts and budgets. */
export function hopSkipJump(evasion: EvasionInputs): Attack<typeof HOP_SKIP_JUMP_PARAMS, DecisionEvasionOutcome> {
  return decisionAttack('hop-skip-jump', 'Chen, Jordan & Wainwright, "HopSkipJumpAttack: a query-efficient decision-based attack", IEEE S&P 2020', HOP_SKIP_JUMP_PARAMS, evasion, hopSkipJumpRow);
}
