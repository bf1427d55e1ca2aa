import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationDataset } from '../../data/dataset.ts';
import { createMatrix } from '../../math/matrix.ts';
import { agreementOn } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';
import { hasCode } from '../../errors.ts';
import { Rng } from '../../random.ts';
import { runAttack } from '../runner.ts';
import { lowdMeek } from './lowd-meek.ts';

test('Lowd–Meek recovers a binary linear classifier from labels (direction of w to 1e-4)', async () => {
  const rng = new Rng(3);
  const d = 6;
  const features = createMatrix(300, d, Float64Array.from({ length: 300 * d }, () => rng.between(-1, 1)));
  const truth = [2, -1, 0.5, 0, 3, -0.25];
  const labels = Int32Array.from({ length: 300 }, (_, i) => (truth.reduce((s, w, j) => s + w * features.data[i * d + j], 0.3) > 0 ? 1 : 0));
  const data = classificationDataset({ name: 'linear', features, schema: { features: truth.map((_, j) => ({ kind: 'numeric' as const, name: `x${j}`, min: -1, max: 1 })) }, labels, classes: ['no', 'yes'], targetName: 'y' });
  const target = new LinearClassifierTrainer('logistic', { l2: 0.01 }).fitSync(data);
  const record = await runAttack(lowdMeek, new LocalOracle(target, { kind: 'label-only' }), { seed: 4 });
  assert.equal(record.status, 'completed');
  const surrogate = record.outcome!.surrogate;
  const w = Array.from(target.weights.data);
  const v = Array.from(surrogate.weights.data);
  const scale = w[0] / v[0];
  v.forEach((value, j) => assert.ok(Math.abs(value * scale - w[j]) < 1e-3 * Math.abs(w[0]), `w${j}: ${value * scale} vs ${w[j]}`));
  const agreement = agreementOn(target, surrogate, uniformRows(target.schema, 5000, new Rng(5))).agreement;
  assert.ok(agreement > 0.999, `agreement ${agreement}`);
  assert.ok(record.queries < 2000, `${record.queries} queries`);
});

test('Lowd–Meek refuses a multi-class model', async () => {
  const target = new LinearClassifierTrainer('softmax').fitSync(loadIrisEmbedded());
  await assert.rejects(runAttack(lowdMeek, new LocalOracle(target, { kind: 'label-only' }), { seed: 1 }), (e) => hasCode(e, 'capability'));
});
