/**
 * The Boundary attack (Brendel, Rauber & Bethge, ICLR 2018): decision-based, labels only. From an
 * adversarial start (noise the model mislabels, or a row of the target class) brought to the
 * boundary by binary search, it random-walks along the boundary: each candidate is an orthogonal
 * step of relative size δ on the sphere around x (the distance kept), then a step of relative
 * size ε toward x; an adversarial candidate is taken. Each candidate is asked twice — after the
 * orthogonal step alone and after both — so δ adapts to the first success rate and ε to the
 * second (the paper's step-size adaptation: ×1.5 above a half, ÷1.5 below a fifth). Candidates go
 * in batches per request, every query counted; the row ends at its query budget.
 */

import { createMatrix } from '../../math/matrix.ts';
import { clipRowsToBox } from '../../math/wasm/box-clip-kernel.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { Rng } from '../../random.ts';
import type { Attack } from '../types.ts';
import type { InputDomain } from './domain.ts';
import { decisionAttack, noiseStart, type DecisionEvasionOutcome, type EvasionInputs, type RowAttack } from './decision-based.ts';

/** The attack's parameters (Brendel et al.'s starting step sizes). */
export const BOUNDARY_ATTACK_PARAMS = {
  maxQueries: { type: 'number', default: 5000, min: 20, integer: true, doc: 'queries per row at most' },
  sphericalStep: { type: 'number', default: 0.01, above: 0, doc: 'orthogonal step δ, relative to the distance to x' },
  sourceStep: { type: 'number', default: 0.01, above: 0, doc: 'step ε toward x, relative to the distance' },
  batch: { type: 'number', default: 10, min: 1, integer: true, doc: 'candidates per request' },
  initTries: { type: 'number', default: 100, min: 1, integer: true, doc: 'random noise rows tried for an untargeted start' },
} satisfies ParamSpecs;

type BoundaryParams = { maxQueries: number; sphericalStep: number; sourceStep: number; batch: number; initTries: number };

function distance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j] - b[j]) ** 2;
  return Math.sqrt(sum);
}

/** One candidate: an orthogonal step on the sphere around x (returned first), then a step toward x, both in the box. */
function candidate(x: Float64Array, current: Float64Array, delta: number, epsilon: number, domain: InputDomain, rng: Rng): [Float64Array, Float64Array] {
  const d = x.length;
  const radius = distance(current, x);
  const direction = new Float64Array(d);
  for (let j = 0; j < d; j++) direction[j] = (current[j] - x[j]) / radius;
  const eta = new Float64Array(d);
  rng.fillNormal(eta);
  let along = 0;
  for (let j = 0; j < d; j++) along += eta[j] * direction[j];
  let norm = 0;
  for (let j = 0; j < d; j++) {
    eta[j] -= along * direction[j];
    norm += eta[j] ** 2;
  }
  norm = Math.sqrt(norm) || 1;
  const out = new Float64Array(d);
  for (let j = 0; j < d; j++) out[j] = current[j] + (delta * radius * eta[j]) / norm;
  // Back onto the sphere of the current distance; then toward x.
  const onSphere = radius / distance(out, x);
  const spherical = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const moved = out[j] - x[j];
    spherical[j] = x[j] + moved * onSphere;
    out[j] = x[j] + moved * onSphere * (1 - epsilon);
  }
  // Both into the box in WebAssembly: Math.min(upper, Math.max(lower, v)), value for value.
  clipRowsToBox(spherical, d, 'all', domain.lower, domain.upper);
  clipRowsToBox(out, d, 'all', domain.lower, domain.upper);
  return [spherical, out];
}

function boundaryRow(params: BoundaryParams): RowAttack {
  return async (decide, x, start, domain, rng, spent) => {
    const d = x.length;
    let current = start ?? (await noiseStart(decide, domain, rng, params.initTries));
    if (!current) return undefined;
    // To the boundary along the line to x (binary search, 12 steps).
    let [low, high] = [0, 1];
    for (let k = 0; k < 12 && spent() < params.maxQueries; k++) {
      const middle = (low + high) / 2;
      const point = Float64Array.from(x, (value, j) => value + middle * (current![j] - value));
      if ((await decide(createMatrix(1, d, point)))[0]) high = middle;
      else low = middle;
    }
    current = Float64Array.from(x, (value, j) => value + high * (current![j] - value));
    let delta = params.sphericalStep;
    let epsilon = params.sourceStep;
    const adapt = (step: number, rate: number) => (rate > 0.5 ? step * 1.5 : rate < 0.2 ? step / 1.5 : step);
    while (spent() + 2 * params.batch <= params.maxQueries && epsilon > 1e-7) {
      const pairs = Array.from({ length: params.batch }, () => candidate(x, current!, delta, epsilon, domain, rng));
      // The candidates as one request's rows, copied straight into its matrix (through arrays of
      // numbers they were a third of the attack's time).
      const request = createMatrix(2 * pairs.length, d);
      pairs.forEach(([spherical, full], k) => {
        request.data.set(spherical, 2 * k * d);
        request.data.set(full, (2 * k + 1) * d);
      });
      const flags = await decide(request);
      const sphericalRate = pairs.filter((_, k) => flags[2 * k]).length / params.batch;
      const full = pairs.map(([, row], k) => ({ row, adversarial: flags[2 * k + 1] })).filter((entry) => entry.adversarial);
      if (full.length > 0) current = full.reduce((best, entry) => (distance(entry.row, x) < distance(best.row, x) ? entry : best)).row;
      delta = Math.min(1, adapt(delta, sphericalRate));
      epsilon = Math.min(0.5, adapt(epsilon, full.length / params.batch));
    }
    return current;
  };
}

/** The Boundary attack on the given rows, as an `Attack` the runner counts and budgets. */
export function boundaryAttack(evasion: EvasionInputs): Attack<typeof BOUNDARY_ATTACK_PARAMS, DecisionEvasionOutcome> {
  return decisionAttack('boundary', 'Brendel, Rauber & Bethge, "Decision-based adversarial attacks", ICLR 2018', BOUNDARY_ATTACK_PARAMS, evasion, boundaryRow);
}
