import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBlobs } from '../../data/datasets/synthetic.ts';
import { subsetRows } from '../../data/dataset.ts';
import { fitStandardScaler } from '../../data/encoders/scaling.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { holdOutRows, holdOutValidation } from './hold-out.ts';
import { MlpTrainer } from './mlp.ts';
import { CnnTrainer } from './cnn.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { trainDense, type DenseTrainingOptions } from './train-dense.ts';
import { ROUND_ONCE_FROM_PASSES } from './native/float32-rows.ts';

// Training rows read where they lie (`only`) against the same rows copied out: the same scaler,
// the same batches, the same weights, bit for bit, on every way the rows reach the engine.
const data = makeBlobs(240, { centers: 3, features: 6, std: 2.5, seed: 11 });
const only = new Rng(3).permutation(240).subarray(0, 170);
const labels = Int32Array.from(only, (row) => data.labels[row]);
const objective = { kind: 'classification' as const, labels, classes: 3 };

function inSharedMemory(matrix: Matrix): Matrix {
  const shared = new Float64Array(new SharedArrayBuffer(matrix.data.byteLength));
  shared.set(matrix.data);
  return createMatrix(matrix.rows, matrix.cols, shared);
}

function options(epochs: number, extra: Partial<DenseTrainingOptions> = {}): DenseTrainingOptions {
  return { sizes: [6, 8, 3], hiddenActivation: 'relu', optimizer: 'adam', learningRate: 0.01, batchSize: 16, epochs, l2: 0, patience: 0, rng: new Rng(5), ...extra };
}

test('a standard scaler fitted on rows in place is the one fitted on their copy, bit for bit', () => {
  const inPlace = fitStandardScaler(data.features, only);
  const copied = fitStandardScaler(selectRows(data.features, only));
  assert.deepEqual(inPlace.offset, copied.offset);
  assert.deepEqual(inPlace.factor, copied.factor);
  assert.throws(() => fitStandardScaler(data.features, new Uint32Array(0)), /empty/);
});

for (const epochs of [ROUND_ONCE_FROM_PASSES - 1, ROUND_ONCE_FROM_PASSES]) {
  for (const memory of ['plain', 'shared'] as const) {
    test(`native engine, ${epochs} epochs (${epochs >= ROUND_ONCE_FROM_PASSES ? 'float32 rows made once' : 'float64 rows a batch at a time'}), ${memory} memory, scaled in the engine: rows in place train the weights their copy trains`, async () => {
      const features = memory === 'shared' ? inSharedMemory(data.features) : data.features;
      const scaling = fitStandardScaler(features, only);
      const copied = await trainDense(selectRows(features, only), objective, options(epochs, { inputScaling: scaling }));
      const inPlace = await trainDense(features, objective, options(epochs, { inputScaling: scaling, only }));
      assert.deepEqual(inPlace.layers, copied.layers);
      assert.deepEqual(inPlace.trainingLoss, copied.trainingLoss);
    });
  }
}

test('the tfjs engine copies the rows out first: the same weights as on their copy', async () => {
  const copied = await trainDense(selectRows(data.features, only), objective, options(2, { engine: 'tfjs' }));
  const inPlace = await trainDense(data.features, objective, options(2, { engine: 'tfjs', only }));
  assert.deepEqual(inPlace.layers, copied.layers);
});

test('the MLP trainer holds its validation rows out and trains with its training rows in place: the split and the model of the copied path', async () => {
  const held = holdOutRows(data, 0.2, new Rng(9));
  const copied = holdOutValidation(data, 0.2, new Rng(9));
  assert.deepEqual(selectRows(data.features, held.only!), copied.train.features);
  assert.deepEqual(held.labels, copied.train.labels);
  assert.deepEqual(held.validation!.features, copied.validation!.features);
  // No rows joined (malicious training's hook with none) takes the path that copies the rows out.
  const none = subsetRows(data, new Uint32Array(0));
  for (const epochs of [ROUND_ONCE_FROM_PASSES - 1, 12]) {
    const params = { hidden: '8', epochs, batchSize: 16, validationFraction: 0.2, patience: 3, standardize: true };
    const inPlace = await new MlpTrainer(params).fit(data, new Rng(21));
    const viaCopy = await new MlpTrainer(params).fit(data, new Rng(21), { extraRows: none });
    assert.deepEqual(inPlace.layers, viaCopy.layers, `${epochs} epochs`);
    assert.deepEqual(inPlace.params, viaCopy.params);
  }
});

test('the CNN trainer trains with its training rows in place: the model of the copied path (MNIST, held-out rows, early stopping)', async () => {
  const mnist = loadMnist();
  const images = subsetRows(mnist, new Rng(6).permutation(mnist.features.rows).subarray(0, 300));
  const params = { filters: [4, 8], hidden: 16, epochs: 3, batchSize: 32, validationFraction: 0.2, patience: 2 };
  const inPlace = await new CnnTrainer(params).fit(images, new Rng(22));
  const viaCopy = await new CnnTrainer(params).fit(images, new Rng(22), { extraRows: subsetRows(images, new Uint32Array(0)) });
  assert.deepEqual(inPlace.toJSON(), viaCopy.toJSON());
});
