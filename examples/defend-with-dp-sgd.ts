/**
 * Example: the membership audit found a leak — does training with DP-SGD close it, and what does
 * it cost?
 *
 *   npx tsx examples/defend-with-dp-sgd.ts
 *
 * The same MLP recipe as examples/audit-membership.ts (150 memorised records of a small, noisy
 * problem), trained three ways — plainly, and with DP-SGD (Abadi et al. 2016) at ε = 8 and ε = 1
 * (δ = 1e-5; the noise is calibrated by the Rényi-DP accountant) — each attacked by LiRA with
 * shadow models trained the same way. DP-SGD bounds what any attack can learn about one record;
 * the held-out accuracy says what the bound costs. Runs anywhere: the data are generated.
 */

import { LocalOracle, lira, membershipSplit, runMembership, TrainingPool } from '../src/index.ts';
import { makeClassification } from '../src/data/datasets/synthetic.ts';
import { accuracy } from '../src/metrics/score.ts';

const base = { hidden: '128', epochs: 150, batchSize: 32, learningRate: 0.003, validationFraction: 0, standardize: false };
const data = makeClassification(1200, { classes: 3, flipY: 0.1, seed: 5 });
const split = membershipSplit(data, { members: 150, population: 600 }, 7);
const pool = new TrainingPool(2);
for (const [name, extra] of [['plain', {}], ['DP-SGD ε = 8', { dpEpsilon: 8, dpDelta: 1e-3 }], ['DP-SGD ε = 1', { dpEpsilon: 1, dpDelta: 1e-3 }]] as const) {
  const recipe = { kind: 'mlp', params: { ...base, ...extra } };
  const model = await pool.train(recipe, split.members, 11);
  const record = await runMembership(lira, new LocalOracle(model), { candidates: split.candidates, population: split.population, trainer: recipe, trainSize: 150 }, { params: { shadows: 16 }, seed: 1, pool, members: split.truth });
  const metrics = record.outcome!.metrics!;
  const privacy = (model as { params?: { privacy?: { epsilon: number; noiseMultiplier: number } } }).params?.privacy;
  console.log(
    `${name.padEnd(14)} held-out accuracy ${accuracy(model, split.nonMembers).toFixed(3)}; LiRA AUC ${metrics.auc.toFixed(3)}, ${(100 * metrics.tprAtFpr[0].tpr).toFixed(1)}% of members found at 1% false positives` +
      (privacy ? ` (spent ε = ${privacy.epsilon.toFixed(2)}, noise σ = ${privacy.noiseMultiplier.toFixed(2)})` : ''),
  );
}
await pool.close();
console.log('δ = 1e-3 here because the model trains on only 150 records (δ must stay below 1 / records).');
