import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { subsetRows } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { splitIndices } from '../../data/split.ts';
import { hasCode } from '../../errors.ts';
import { Rng } from '../../random.ts';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';
import { modelFromJson } from '../registry.ts';
import type { Cnn} from './cnn.ts';
import { CnnTrainer } from './cnn.ts';
import { join } from 'node:path';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { loadUserCsv } from '../../data/user-data.ts';

const mnist = loadMnist();
const split = splitIndices(mnist, { testFraction: 0.2, stratify: true, rng: new Rng(3) });
// Seeded samples of each part: the embedded MNIST's rows are grouped by digit (its first 2,000 are zeros, ones and twos).
const train = subsetRows(mnist, Array.from(new Rng(4).permutation(split.train.length).subarray(0, 2000), (k) => split.train[k]));
const test_ = subsetRows(mnist, Array.from(new Rng(5).permutation(split.test.length).subarray(0, 500), (k) => split.test[k]));

test('a CNN trains (on the native engine) and learns MNIST digits; its float64 forward pass is tfjs\'s', async () => {
  const model = await new CnnTrainer({ epochs: 4, validationFraction: 0 }).fit(train, new Rng(1));
  const accuracy = model.predict(test_.features).filter((p, i) => p === test_.labels[i]).length / test_.features.rows;
  assert.ok(accuracy > 0.85, `test accuracy ${accuracy}`);

  // The float64 forward pass equals tfjs's forward pass on the same weights (the native engine trained it: tfjs is started here).
  await initBackend();
  const rows = subsetRows(test_, [0, 1, 2, 3]);
  const expected = tf.tidy(() => {
    let x = tf.reshape(tf.tensor2d(Float32Array.from(rows.features.data), [4, 784]), [4, 28, 28, 1]) as tf.Tensor4D;
    for (const block of model.convolutions) {
      const kernel = tf.tensor4d(Float32Array.from(block.weights), [3, 3, block.inputChannels, block.filters]);
      x = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, kernel, 1, 'valid'), tf.tensor1d(Float32Array.from(block.biases)))) as tf.Tensor4D, 2, 2, 'valid');
    }
    let h = tf.reshape(x, [4, -1]) as tf.Tensor2D;
    model.dense.forEach((layer, l) => {
      const z = tf.add(tf.matMul(h, tf.tensor2d(Float32Array.from(layer.weights), [layer.inputs, layer.outputs])), tf.tensor1d(Float32Array.from(layer.biases))) as tf.Tensor2D;
      h = l === model.dense.length - 1 ? tf.softmax(z) : tf.relu(z);
    });
    return Array.from(h.dataSync());
  });
  const ours = model.predictProba(rows.features).data;
  expected.forEach((p, k) => assert.ok(Math.abs(p - ours[k]) < 1e-4, `probability ${k}: ${ours[k]} vs tfjs ${p}`));

  const restored = modelFromJson(JSON.parse(JSON.stringify(model.toJSON()))) as Cnn;
  assert.deepEqual(Array.from(restored.predictProba(rows.features).data), Array.from(ours));
});

test('a CNN refuses data without an image shape', async () => {
  await assert.rejects(new CnnTrainer().fit(loadIrisEmbedded(), new Rng(1)), (e) => hasCode(e, 'validation') && /no image shape/.test(e.message));
});

test('a CNN trained on the native engine (onnxruntime) has the tfjs engine\'s weights to rounding, the same epochs and best epoch under early stopping; THREATLAB_TRAINING_ENGINE=tfjs picks tfjs', async () => {
  const rows = subsetRows(mnist, Array.from({ length: 600 }, (_, i) => split.train[i * 13]));
  const fit = async (engine: 'auto' | 'tfjs') => {
    process.env.THREATLAB_TRAINING_ENGINE = engine;
    try {
      return await new CnnTrainer({ epochs: 3, validationFraction: 0.1, patience: 2 }).fit(rows, new Rng(1));
    } finally {
      delete process.env.THREATLAB_TRAINING_ENGINE;
    }
  };
  const [native, tfjs] = [await fit('auto'), await fit('tfjs')];
  const largestGap = (a: Float64Array, b: Float64Array) => a.reduce((most, value, i) => Math.max(most, Math.abs(value - b[i])), 0);
  native.convolutions.forEach((block, b) => {
    assert.ok(largestGap(block.weights, tfjs.convolutions[b].weights) < 1e-4, `kernel ${b}`);
    assert.ok(largestGap(block.biases, tfjs.convolutions[b].biases) < 1e-4, `kernel bias ${b}`);
  });
  native.dense.forEach((layer, l) => assert.ok(largestGap(layer.weights, tfjs.dense[l].weights) < 1e-4, `dense layer ${l}`));
  assert.ok(largestGap(native.predictProba(test_.features).data, tfjs.predictProba(test_.features).data) < 1e-4);
  assert.equal(native.params.epochsRun, tfjs.params.epochsRun);
  assert.equal(native.params.bestEpoch, tfjs.params.bestEpoch);
  assert.notDeepEqual(Array.from(native.dense[0].weights), Array.from(tfjs.dense[0].weights), 'two engines: equal to rounding, not bit for bit');
});

test("a CNN on a user's CSV of 8 × 8 images (scikit-learn's digits, one block): the native engine's weights are the tfjs engine's to rounding, and it reads the held-out digits", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
  const read = (file: string) => {
    const rows = loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;
    return { ...rows, image: { width: 8, height: 8, channels: 1 } };
  };
  const [members, others] = [read('digits-members.csv'), read('digits-non-members.csv')];
  const fit = async (engine: 'auto' | 'tfjs') => {
    process.env.THREATLAB_TRAINING_ENGINE = engine;
    try {
      return await new CnnTrainer({ filters: [8], hidden: 32, epochs: 10, validationFraction: 0, learningRate: 0.003 }).fit(members, new Rng(4));
    } finally {
      delete process.env.THREATLAB_TRAINING_ENGINE;
    }
  };
  const [native, tfjs] = [await fit('auto'), await fit('tfjs')];
  const largestGap = (a: Float64Array, b: Float64Array) => a.reduce((most, value, i) => Math.max(most, Math.abs(value - b[i])), 0);
  assert.ok(largestGap(native.convolutions[0].weights, tfjs.convolutions[0].weights) < 1e-4, 'kernel');
  native.dense.forEach((layer, l) => assert.ok(largestGap(layer.weights, tfjs.dense[l].weights) < 1e-4, `dense layer ${l}`));
  assert.notDeepEqual(Array.from(native.convolutions[0].weights), Array.from(tfjs.convolutions[0].weights), 'two engines');
  const accuracy = native.predict(others.features).filter((p, i) => p === others.labels[i]).length / others.features.rows;
  assert.ok(accuracy > 0.85, `held-out accuracy ${accuracy}`);
});
