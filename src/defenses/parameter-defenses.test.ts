/**
 * The parameter defences and the θ detector on models made elsewhere (scikit-learn MLPs) and on
 * ours: scrubbing low bits and zero noise change no prediction, fine-tuning starts from the
 * model's own weights, and benign networks from scikit-learn are not flagged.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadUserCsv } from '../data/user-data.ts';
import { loadModelFile } from '../models/registry.ts';
import { Mlp } from '../models/neural/mlp.ts';
import type { Classifier } from '../models/types.ts';
import { weightVector } from '../models/parameter-arrays.ts';
import { Rng } from '../random.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { autocorrelation, detectEncoding } from './encoding-detector.ts';
import { addWeightNoise, fineTune, scrubLowBits } from './parameter-defenses.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
const digits = loadModelFile(join(fixtures, 'digits-mlp.json')) as Classifier;
const members = loadUserCsv(join(fixtures, 'digits-members.csv'), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;

test('scrubbing the low bits of a scikit-learn MLP changes no prediction; zero noise changes nothing', () => {
  const predictions = digits.predict(members.features);
  for (const scrubbed of [scrubLowBits(digits, 16), scrubLowBits(digits, 16, new Rng(2))] as Classifier[]) {
    assert.deepEqual(scrubbed.predict(members.features), predictions);
    const [before, after] = [weightVector(digits), weightVector(scrubbed)];
    assert.ok(before.some((value, i) => value !== after[i]), 'the low bits were rewritten');
    assert.ok(before.every((value, i) => Math.abs(value - after[i]) <= Math.abs(value) * 2 ** -7 + 1e-30));
  }
  assert.deepEqual(weightVector(addWeightNoise(digits, 0, new Rng(3))), weightVector(digits));
  assert.throws(() => scrubLowBits(digits, 24), /give 1…23/);
});

test('fine-tuning starts from the model\'s weights (a vanishing step leaves them), and refuses a non-network', async () => {
  const fitted = new Mlp({ classes: digits.classes, schema: digits.schema, layers: (digits as Mlp).layers.map((layer) => ({ ...layer })), params: { activation: 'relu' } });
  const tuned = await fineTune(fitted, members, { epochs: 1, learningRate: 1e-12 }, new Rng(4));
  const [before, after] = [weightVector(fitted), weightVector(tuned)];
  assert.equal(after.length, before.length);
  assert.ok(before.every((value, i) => Math.abs(value - after[i]) < 1e-5), 'weights kept');
  const moved = await fineTune(fitted, members, { epochs: 2, learningRate: 0.01 }, new Rng(4));
  assert.ok(weightVector(moved).some((value, i) => Math.abs(value - before[i]) > 1e-3), 'a real step moves them');
  const softmax = loadModelFile(join(fixtures, 'iris-softmax.json')) as Classifier;
  await assert.rejects(fineTune(softmax, members, {}, new Rng(1)), /needs a network/);
});

test('the θ detector: benign scikit-learn networks are not flagged; an image written into the weights is', () => {
  for (const name of ['digits-mlp', 'adult-mlp', 'iris-mlp']) {
    const reading = detectEncoding(loadModelFile(join(fixtures, `${name}.json`)));
    assert.equal(reading.flagged, false, `${name}: ${JSON.stringify(reading)}`);
  }
  const layers = (digits as Mlp).layers.map((layer) => ({ ...layer, weights: Float64Array.from(layer.weights) }));
  const planted = Math.min(4096, layers[0].weights.length);
  // A smooth image's pixels written in order into the first weights (correlated-value encoding's footprint).
  for (let i = 0; i < planted; i++) layers[0].weights[i] = Math.sin(i / 7) * Math.cos(i / 31);
  assert.ok(autocorrelation(layers[0].weights.subarray(0, planted), 1) > 0.9);
  const reading = detectEncoding(new Mlp({ classes: digits.classes, schema: digits.schema, layers, params: {} }));
  assert.equal(reading.flagged, true, JSON.stringify(reading));
});
