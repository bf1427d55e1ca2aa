import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subsetRows } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { hasCode } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { DenoisingAutoencoder, trainDenoisingAutoencoder } from './autoencoder.ts';

function meanSquaredError(a: Matrix, b: Matrix): number {
  let total = 0;
  for (let k = 0; k < a.data.length; k++) total += (a.data[k] - b.data[k]) ** 2;
  return total / a.data.length;
}

test('a denoising autoencoder removes most of the noise it was trained against', async () => {
  const mnist = loadMnist();
  const rows = Array.from({ length: 1500 }, (_, i) => i * 6);
  const train = subsetRows(mnist, rows.slice(0, 1200)).features;
  const clean = subsetRows(mnist, rows.slice(1200)).features;
  const model = await trainDenoisingAutoencoder(train, { hidden: '128', activation: 'relu', epochs: 15, batchSize: 32, noise: 0.3, learningRate: 0.003 }, new Rng(1));
  const rng = new Rng(2);
  const noisy = createMatrix(clean.rows, clean.cols, Float64Array.from(clean.data, (v) => Math.min(1, Math.max(0, v + rng.normal(0, 0.3)))));
  const before = meanSquaredError(noisy, clean);
  const after = meanSquaredError(model.reconstruct(noisy), clean);
  assert.ok(after < before / 2, `error ${after} after, ${before} before`);
  const restored = DenoisingAutoencoder.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
  assert.deepEqual(Array.from(restored.reconstruct(noisy).data), Array.from(model.reconstruct(noisy).data));
  assert.equal(model.encode(noisy).cols, 128);
});

test('inputs outside [0, 1] are refused', async () => {
  await assert.rejects(trainDenoisingAutoencoder(createMatrix(2, 2, Float64Array.from([0, 2, 0, 1])), {}, new Rng(1)), (e) => hasCode(e, 'validation') && /\[0, 1\]/.test(e.message));
});
