/**
 * LiRA, the likelihood-ratio attack (Carlini, Chien, Nasr, Song, Terzis, Tramèr, S&P 2022).
 * N shadow models are trained like the target. For each candidate (x, y), the logit-scaled
 * confidence φ = log(p_y / (1 − p_y)) of the shadows that trained on it ("in") and of those that
 * did not ("out") is fitted by Gaussians; the target's φ(x) is scored by
 *   online:  log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²)  (half the shadows include x)
 *   offline: (φ − μ_out) / σ_out                             (no shadow includes x: a
 *            one-sided test, monotone in the paper's 1 − Φ p-value)
 * with per-example variances, or one global variance per side when shadows are few (the
 * paper's advice below 64 shadows; `variance: auto`).
 */

import { rowSelection } from '../../parallel/training-set.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { probabilityRows, publishedScaledLogit, scaledLogit } from './signals.ts';
import { answerShadows, planShadows } from './shadow-data.ts';
import type { MembershipAttack } from './types.ts';

/** Parameters of LiRA. */
export const LIRA_PARAMS = {
  shadows: { type: 'number', default: 16, min: 1, integer: true, doc: 'shadow models N' },
  mode: { type: 'choice', values: ['online', 'offline'] as const, default: 'online', doc: 'online: shadows include each candidate half the time; offline: never' },
  variance: { type: 'choice', values: ['auto', 'per-example', 'global'] as const, default: 'auto', doc: 'per-example Gaussians, one global variance, or global below 64 shadows' },
} satisfies ParamSpecs;

const MIN_STD = 1e-3;

function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

function logNormal(x: number, mean: number, std: number): number {
  const z = (x - mean) / std;
  return -0.5 * z * z - Math.log(std);
}

/** LiRA. */
export const lira: MembershipAttack<typeof LIRA_PARAMS> = {
  name: 'lira',
  reference: 'Carlini et al., S&P 2022',
  needs: ['scores', 'top-k', 'leaf'],
  params: LIRA_PARAMS,
  async run(context, params) {
    const { oracle, problem, rng } = context;
    const { candidates, population, trainSize } = problem;
    const n = candidates.features.rows;
    const online = params.mode === 'online';
    // Shadow training sets: online, a random half of the candidates plus population rows; offline, population rows only.
    const insideOf: boolean[][] = [];
    const trainingSets = Array.from({ length: params.shadows }, (_, s) => {
      const inside = new Array<boolean>(n).fill(false);
      let chosen: number[] = [];
      if (online) {
        // Balanced: shadow s includes candidate i for half the shadows, alternating over a random order.
        const order = rng.permutation(n);
        chosen = Array.from(order.slice(0, Math.floor(n / 2)));
        if (s % 2 === 1 && insideOf.length > 0) chosen = Array.from({ length: n }, (_, i) => i).filter((i) => !insideOf[s - 1][i]);
        for (const i of chosen) inside[i] = true;
      }
      insideOf.push(inside);
      const fill = Math.max(0, trainSize - chosen.length);
      const rows = rng.permutation(population.features.rows).slice(0, Math.min(fill, population.features.rows));
      // Named by rows: the pool gathers each set when a worker takes it (64 Fashion-MNIST sets made
      // up front were 2.8 GB and 7 s of page faults before the first shadow started).
      return rowSelection({ from: candidates, rows: chosen }, { from: population, rows });
    });
    const answers = await answerShadows(context, 'LiRA shadow models', planShadows(context, params.shadows, (s) => trainingSets[s]), () => [candidates]);
    const phis = answers.map(([probabilities]) => publishedScaledLogit(probabilities, oracle.info.policy, candidates.labels));
    const target = scaledLogit(probabilityRows(await oracle.query(candidates.features), candidates.classes.length), candidates.labels);
    const globalVariance = params.variance === 'global' || (params.variance === 'auto' && params.shadows < 64);
    const all = { in: [] as number[], out: [] as number[] };
    const perExample = Array.from({ length: n }, (_, i) => {
      const values = { in: [] as number[], out: [] as number[] };
      phis.forEach((phi, s) => (insideOf[s][i] ? values.in : values.out).push(phi[i]));
      const fitIn = meanStd(values.in);
      const fitOut = meanStd(values.out);
      values.in.forEach((value) => all.in.push(value - fitIn.mean));
      values.out.forEach((value) => all.out.push(value - fitOut.mean));
      return { in: fitIn, out: fitOut, counts: [values.in.length, values.out.length] };
    });
    const globalIn = Math.max(meanStd(all.in).std, MIN_STD);
    const globalOut = Math.max(meanStd(all.out).std, MIN_STD);
    const scores = Float64Array.from(perExample, (fit, i) => {
      const outStd = globalVariance || fit.counts[1] < 2 ? globalOut : Math.max(fit.out.std, MIN_STD);
      if (!online || fit.counts[0] === 0) return (target[i] - fit.out.mean) / outStd;
      const inStd = globalVariance || fit.counts[0] < 2 ? globalIn : Math.max(fit.in.std, MIN_STD);
      return logNormal(target[i], fit.in.mean, inStd) - logNormal(target[i], fit.out.mean, outStd);
    });
    return { scores, models: params.shadows };
  },
};
