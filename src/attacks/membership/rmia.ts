/**
 * RMIA, the relative membership-inference attack (Zarifzadeh, Liu, Chang, Shokri, ICML 2024),
 * offline: reference models trained like the target on the attacker's population estimate
 * Pr(x) = mean over references of p_y(x); without references that trained on x, it is corrected
 * as Pr(x) = ½((1 + a) · mean + (1 − a)) (their Appendix, a ≈ 0.3). The score of x is the share
 * of population points z it dominates:
 *   score(x) = |{ z : (Pr(x | θ) / Pr(x)) / (Pr(z | θ) / Pr(z)) ≥ γ }| / |Z|.
 * One or a few reference models suffice — the method's point against LiRA's dozens. Scores
 * that tie on the count are ordered by the ratio itself (the count is monotone in it).
 */

import { subsetRows } from '../../data/dataset.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { probabilityRows, publishedTrueConfidence, trueConfidence } from './signals.ts';
import { answerShadows, planShadows, shadowSplit } from './shadow-data.ts';
import type { MembershipAttack } from './types.ts';

/** Parameters of RMIA. */
export const RMIA_PARAMS = {
  references: { type: 'number', default: 2, min: 1, integer: true, doc: 'reference models' },
  populationPoints: { type: 'number', default: 1000, min: 1, integer: true, doc: 'population points z compared against (one query each)' },
  gamma: { type: 'number', default: 1, above: 0, doc: 'likelihood-ratio threshold γ' },
  offlineA: { type: 'number', default: 0.3, min: 0, max: 1, doc: 'offline correction a of Pr(x)' },
} satisfies ParamSpecs;

/** RMIA (offline). */
export const rmia: MembershipAttack<typeof RMIA_PARAMS> = {
  name: 'rmia',
  reference: 'Zarifzadeh et al., ICML 2024',
  needs: ['scores', 'top-k', 'leaf'],
  params: RMIA_PARAMS,
  async run(context, params) {
    const { oracle, problem, rng } = context;
    const { candidates, population } = problem;
    const classes = candidates.classes.length;
    const plans = planShadows(context, params.references, () => shadowSplit(population, problem.trainSize, rng).train);
    const zRows = rng.permutation(population.features.rows).slice(0, Math.min(params.populationPoints, population.features.rows));
    const z = subsetRows(population, zRows);
    // Each reference model answers on the candidates (0) and on z (1) where it is trained.
    const answers = await answerShadows(context, 'RMIA reference models', plans, () => [candidates, z]);
    const marginal = (rows: typeof candidates, set: number): Float64Array => {
      const sum = new Float64Array(rows.features.rows);
      for (const answer of answers) {
        const p = publishedTrueConfidence(answer[set], oracle.info.policy, rows.labels);
        for (let i = 0; i < sum.length; i++) sum[i] += p[i] / answers.length;
      }
      return sum.map((mean) => 0.5 * ((1 + params.offlineA) * mean + (1 - params.offlineA)));
    };
    const targetX = trueConfidence(probabilityRows(await oracle.query(candidates.features), classes), candidates.labels);
    const targetZ = trueConfidence(probabilityRows(await oracle.query(z.features), classes), z.labels);
    const priorX = marginal(candidates, 0);
    const priorZ = marginal(z, 1);
    const ratioZ = Float64Array.from(targetZ, (p, k) => p / priorZ[k]).sort();
    const scores = Float64Array.from(targetX, (p, i) => {
      // Count z with ratio_x / ratio_z ≥ γ, i.e. ratio_z ≤ ratio_x / γ, by binary search.
      const limit = p / priorX[i] / params.gamma;
      let low = 0;
      let high = ratioZ.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (ratioZ[mid] <= limit) low = mid + 1;
        else high = mid;
      }
      // Ties (every z dominated, or none) are broken by the ratio itself, which orders x the
      // same way the count does; the tie-break stays below one step 1/|Z| of the count.
      const ratio = p / priorX[i];
      return low / ratioZ.length + 1e-7 * (Math.atan(Math.log(ratio + 1e-300)) / Math.PI + 0.5);
    });
    return { scores, models: params.references };
  },
};
