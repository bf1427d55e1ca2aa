/**
 * Example: before publishing a model, does it give away who was in its training data?
 *
 *   npx tsx examples/audit-membership.ts
 *
 * An ML engineer trains an MLP on 150 records of a small, noisy problem (it memorises them) and
 * audits it the way an attacker would attack it: LiRA (Carlini et al. 2022) trains shadow models
 * like the target on data of its own, half of them on each record under test, and compares the
 * target's confidence on each record with the two Gaussians its shadows predict. The audit
 * knows who the members are; the attack never does. Runs anywhere: the data are generated.
 */

import { LocalOracle, lira, membershipSplit, runMembership, TrainingPool } from '../src/index.ts';
import { makeClassification } from '../src/data/datasets/synthetic.ts';
import { accuracy } from '../src/metrics/score.ts';

const recipe = { kind: 'mlp', params: { hidden: '128', epochs: 150, batchSize: 32, learningRate: 0.003, validationFraction: 0 } };
const data = makeClassification(1200, { classes: 3, flipY: 0.1, seed: 5 });
const split = membershipSplit(data, { members: 150, population: 600 }, 7);

// Two worker threads train the target and, later, the shadow models.
const pool = new TrainingPool(2);
const model = await pool.train(recipe, split.members, 11);
console.log(`model: train accuracy ${accuracy(model, split.members).toFixed(3)}, held-out ${accuracy(model, split.nonMembers).toFixed(3)}`);

const record = await runMembership(lira, new LocalOracle(model), { candidates: split.candidates, population: split.population, trainer: recipe, trainSize: 150 }, {
  params: { shadows: 16 },
  seed: 1,
  pool,
  members: split.truth,
});
await pool.close();
const metrics = record.outcome!.metrics!;
console.log(`LiRA with ${record.outcome!.models} shadow models, ${record.queries} queries, ${record.seconds.toFixed(1)} s`);
console.log(`AUC ${metrics.auc.toFixed(3)}; at 1% false positives it finds ${(100 * metrics.tprAtFpr[0].tpr).toFixed(1)}% of the members`);
const exposed = record.outcome!.mostExposed!.filter((entry) => entry.member).length;
console.log(`of the 10 records it is surest about, ${exposed} were members — publish with care (or train with regularisation / DP-SGD)`);
