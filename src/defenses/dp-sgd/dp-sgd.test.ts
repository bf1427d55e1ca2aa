/**
 * DP-SGD end to end on a user's data (scikit-learn's digits, exported as CSV): the trainers
 * record the (ε, δ) they spent, meet a target ε without exceeding it, keep useful accuracy, are
 * reproducible by seed, and refuse settings that would silently break the guarantee.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { loadUserCsv } from '../../data/user-data.ts';
import { hasCode } from '../../errors.ts';
import { accuracy } from '../../metrics/score.ts';
import { createTrainer } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { Rng } from '../../random.ts';
import { privacySpent } from './accountant.ts';
import type { DpSgdRecord } from './private-training.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
const load = (file: string) => loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;
const members = load('digits-members.csv');
const nonMembers = load('digits-non-members.csv');

async function train(kind: string, params: Record<string, unknown>, seed = 42): Promise<Classifier & { params: Record<string, unknown> }> {
  return (await createTrainer(kind, params).fit(members, new Rng(seed))) as Classifier & { params: Record<string, unknown> };
}

test('an MLP trained to ε = 4 spends at most 4 (recomputed independently from its record) and still learns the digits', async () => {
  const params = { hidden: [32], epochs: 20, batchSize: 32, learningRate: 0.01, standardize: false, dpEpsilon: 4, dpDelta: 1e-4 };
  const model = await train('mlp', params);
  const privacy = model.params.privacy as DpSgdRecord;
  assert.equal(privacy.mechanism, 'dp-sgd');
  assert.ok(privacy.epsilon <= 4 && privacy.epsilon > 3.95, `ε = ${privacy.epsilon}`);
  assert.equal(privacy.steps, Math.ceil((20 * 600) / 32));
  assert.equal(privacy.samplingRate, 32 / 600);
  assert.equal(privacySpent({ samplingRate: privacy.samplingRate, noiseMultiplier: privacy.noiseMultiplier, steps: privacy.steps }, 1e-4).epsilon, privacy.epsilon);
  const plain = await train('mlp', { hidden: [32], epochs: 20, batchSize: 32, learningRate: 0.01, standardize: false, validationFraction: 0 });
  const [privateAccuracy, plainAccuracy] = [accuracy(model, nonMembers), accuracy(plain, nonMembers)];
  assert.ok(privateAccuracy > 0.6, `DP accuracy ${privateAccuracy}`);
  assert.ok(plainAccuracy > privateAccuracy, `plain ${plainAccuracy} vs DP ${privateAccuracy}: noise should cost accuracy`);
  // Same seed, same model; the noise is seeded.
  const again = await train('mlp', params);
  assert.deepEqual(Array.from(again.predictProba(nonMembers.features).data.slice(0, 50)), Array.from(model.predictProba(nonMembers.features).data.slice(0, 50)));
});

test('a given noise multiplier reports the ε it spent; more noise spends less and costs accuracy', async () => {
  const base = { dpEpochs: 10, dpBatchSize: 32, standardize: false, dpDelta: 1e-4 };
  const light = await train('softmax', { ...base, dpNoise: 0.8 });
  const heavy = await train('softmax', { ...base, dpNoise: 8 });
  const [lightPrivacy, heavyPrivacy] = [light.params.privacy as DpSgdRecord, heavy.params.privacy as DpSgdRecord];
  assert.ok(heavyPrivacy.epsilon < lightPrivacy.epsilon / 5, `${heavyPrivacy.epsilon} vs ${lightPrivacy.epsilon}`);
  assert.equal(light.kind, 'softmax');
  assert.ok(accuracy(light, nonMembers) > 0.8, `σ = 0.8 softmax accuracy ${accuracy(light, nonMembers)}`);
  assert.ok(accuracy(heavy, nonMembers) < accuracy(light, nonMembers));
});

test('settings that would break or fake the guarantee are refused, naming the parameter', async () => {
  const refused = async (kind: string, params: Record<string, unknown>, path: string) =>
    assert.rejects(train(kind, params), (e) => hasCode(e, 'validation') && JSON.stringify(e).includes(`"path":"${path}"`));
  await refused('mlp', { dpEpsilon: 2 }, 'standardize');
  await refused('mlp', { dpEpsilon: 2, dpNoise: 1, standardize: false }, 'dpNoise');
  await refused('mlp', { dpEpsilon: 2, dpDelta: 0.01, standardize: false }, 'dpDelta');
  await refused('mlp', { dpEpsilon: 2, batchSize: 600, standardize: false }, 'batchSize');
  await refused('ovr', { dpEpsilon: 2, standardize: false }, 'model');
  await refused('softmax', { dpEpsilon: 2, dpBatchSize: 1000, standardize: false }, 'dpBatchSize');
});
