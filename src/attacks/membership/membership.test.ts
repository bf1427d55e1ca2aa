import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeClassification } from '../../data/datasets/synthetic.ts';
import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { createTrainer } from '../../models/registry.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { TrainingPool } from '../../parallel/training-pool.ts';
import { Rng } from '../../random.ts';
import { MEMBERSHIP_ATTACKS } from './index.ts';
import { membershipSplit } from './membership-split.ts';
import { runMembership } from './runner.ts';

const pool = new TrainingPool(2);
after(() => pool.close());

/** A small, noisy problem an MLP overfits: 150 members memorised, 20 features, 10% flipped labels. */
const TRAINER = { kind: 'mlp', params: { hidden: '128', epochs: 150, batchSize: 32, learningRate: 0.003, validationFraction: 0 } };
const FEW = { threshold: {}, 'shadow-models': { shadows: 4 }, lira: { shadows: 8 }, rmia: { references: 2, populationPoints: 300 }, 'label-only': { copies: 10, noise: 0.1 } };

async function overfitVictim(data: ClassificationDataset) {
  const split = membershipSplit(data, { members: 150, population: 600 }, 7);
  const target = await pool.train(TRAINER, split.members, 11);
  return { split, target, problem: { candidates: split.candidates, population: split.population, trainer: TRAINER, trainSize: 150 } };
}

test('every membership attack finds the members of an overfit victim (AUC clearly above 0.5)', async () => {
  const { split, target, problem } = await overfitVictim(makeClassification(1200, { classes: 3, flipY: 0.1, seed: 5 }));
  for (const [name, params] of Object.entries(FEW)) {
    const record = await runMembership(MEMBERSHIP_ATTACKS[name], new LocalOracle(target), problem, { params, seed: 3, pool, members: split.truth });
    const auc = record.outcome!.metrics!.auc;
    assert.ok(auc > 0.6, `${name}: AUC ${auc}`);
    assert.equal(record.status, 'completed');
    if (name === 'label-only') assert.equal(record.queries, 300 * 11, 'K + 1 label queries per candidate');
    if (name === 'rmia') assert.equal(record.queries, 300 + 300, 'candidates and population points');
  }
});

test('no members in the pool: AUC stays near 0.5; label-only works on a label-only API', async () => {
  // Random labels, and a "member" half that the victim never saw either.
  const data = makeClassification(1200, { classes: 2, flipY: 1, seed: 8 });
  const split = membershipSplit(data, { members: 150, population: 600 }, 9);
  const target = await pool.train(TRAINER, split.population, 12);
  const problem = { candidates: split.candidates, population: split.population, trainer: TRAINER, trainSize: 150 };
  for (const name of ['threshold', 'lira'] as const) {
    const record = await runMembership(MEMBERSHIP_ATTACKS[name], new LocalOracle(target), problem, { params: FEW[name], seed: 4, pool, members: split.truth });
    const auc = record.outcome!.metrics!.auc;
    assert.ok(Math.abs(auc - 0.5) < 0.1, `${name}: AUC ${auc}`);
  }
  const labels = await runMembership(MEMBERSHIP_ATTACKS['label-only'], new LocalOracle(target, { kind: 'label-only' }), problem, { params: { copies: 4 }, seed: 4, pool, members: split.truth });
  assert.equal(labels.reveals, 'label');
  await assert.rejects(runMembership(MEMBERSHIP_ATTACKS.lira, new LocalOracle(target, { kind: 'label-only' }), problem, { seed: 4, pool }), { code: 'capability' });
  const budget = await runMembership(MEMBERSHIP_ATTACKS['label-only'], new LocalOracle(target), problem, { params: { copies: 4 }, seed: 4, pool, budget: 100 });
  assert.equal(budget.status, 'budget-exhausted');
});

test('shadow models trained on worker threads equal those trained in this thread', async () => {
  const data = makeClassification(300, { classes: 3, seed: 2 });
  const here = await createTrainer(TRAINER.kind, { ...TRAINER.params, epochs: 5 }).fit(data, new Rng(21));
  const there = await pool.train({ ...TRAINER, params: { ...TRAINER.params, epochs: 5 } }, data, 21);
  assert.deepEqual(Array.from(there.predictProba(data.features).data), Array.from((here as typeof there).predictProba(data.features).data));
  assert.deepEqual(there.toJSON(), here.toJSON(), 'the same model file (its weights came packed as Float64Arrays)');
  // A shadow's answers computed where it was trained equal the returned model's, on each row set asked.
  const half = subsetRows(data, Uint32Array.from({ length: 150 }, (_, i) => 2 * i));
  const answers = await pool.trainAndPredict({ ...TRAINER, params: { ...TRAINER.params, epochs: 5 } }, data, 21, [data, half]);
  assert.equal(answers.length, 2);
  assert.deepEqual(Array.from(answers[0].data), Array.from(there.predictProba(data.features).data));
  assert.deepEqual(Array.from(answers[1].data), Array.from(there.predictProba(half.features).data));
  const inThisThread = await new TrainingPool(0).trainAndPredict({ ...TRAINER, params: { ...TRAINER.params, epochs: 5 } }, data, 21, [half]);
  assert.deepEqual(Array.from(inThisThread[0].data), Array.from(answers[1].data));
});

test('a training cancelled before or while it runs on a worker thread fails with cancelled; the pool trains on', async () => {
  const data = makeClassification(300, { classes: 3, seed: 2 });
  const spec = { ...TRAINER, params: { ...TRAINER.params, epochs: 3000, patience: 0 } };
  const early = new AbortController();
  early.abort();
  await assert.rejects(pool.fit(spec, data, 1, undefined, early.signal), { code: 'cancelled' });
  const running = new AbortController();
  const fit = pool.fit(spec, data, 1, undefined, running.signal);
  setTimeout(() => running.abort(), 200);
  await assert.rejects(fit, { code: 'cancelled' });
  const after = await pool.trainAndPredict({ ...TRAINER, params: { ...TRAINER.params, epochs: 2 } }, data, 5, [data]);
  assert.equal(after[0].rows, 300);
});
