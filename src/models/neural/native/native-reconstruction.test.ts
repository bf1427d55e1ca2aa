/**
 * Reconstruction on the native engine — a denoising autoencoder (Vincent et al. 2008): the step
 * graph's corruption is the rows it is said to be (clip(x + σ·n, 0, 1); x · 1[u ≥ p]) on the same
 * draws; without corruption the native engine trains the tfjs engine's weights (sigmoid
 * cross-entropy averaged over the outputs) to 1e-4; and an autoencoder trained natively on a
 * user's digits repeats by seed and removes most of the noise it was trained against.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ClassificationDataset } from '../../../data/dataset.ts';
import { loadUserCsv } from '../../../data/user-data.ts';
import { createMatrix, type Matrix } from '../../../math/matrix.ts';
import { Rng } from '../../../random.ts';
import { trainDenoisingAutoencoder } from '../autoencoder.ts';
import { trainDense } from '../train-dense.ts';
import { gradientGraph, parameterShapes, type DenseGraphSpec } from './dense-step-graph.ts';
import { openDirectSession } from './direct-session.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sklearn');
const digits = (file: string) => loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;

/** One run of `spec`'s gradient graph on `rows` (float32, all of them one batch), the parameters and `extra` feeds: loss and gradients. */
async function gradients(spec: DenseGraphSpec, rows: Float32Array, targets: Float32Array, parameters: Float32Array[], extra: Record<string, ort.Tensor> = {}): Promise<Record<string, Float32Array>> {
  const [width, count] = [spec.sizes[0], rows.length / spec.sizes[0]];
  const session = await openDirectSession(gradientGraph({ ...spec, rows: 'float' }));
  const feeds: Record<string, ort.Tensor> = {
    data: new ort.Tensor('float32', rows, [count, width]),
    targets: new ort.Tensor('float32', targets, [count, width]),
    indices: new ort.Tensor('int32', Int32Array.from({ length: count }, (_, i) => i), [count]),
    scale: new ort.Tensor('float32', Float32Array.of(1 / count), []),
    ones: new ort.Tensor('float32', new Float32Array(count).fill(1), [count]),
    ...extra,
  };
  parameterShapes(spec.sizes).forEach(({ name, dims }, k) => (feeds[name] = new ort.Tensor('float32', parameters[k], dims)));
  const outputs = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array]));
}

test('the step graph corrupts each batch as said: Gaussian noise clipped to [0, 1], and masking, on the draws it is fed', async () => {
  const data = digits('digits-members.csv');
  const count = 24;
  const clean = Float32Array.from(data.features.data.subarray(0, count * 64));
  const sizes = [64, 12, 64];
  const rng = new Rng(3);
  const parameters = parameterShapes(sizes).map(({ dims }) => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    rng.fillBetween(values, -0.4, 0.4);
    return values;
  });
  const normals = new Float64Array(clean.length);
  rng.fillNormal(normals);
  const uniforms = new Float32Array(clean.length);
  rng.fillBetween(uniforms, 0, 1);
  const f = Math.fround;
  const cases = [
    { kind: 'gaussian' as const, level: 0.3, draws: Float32Array.from(normals), rows: Float32Array.from(clean, (x, i) => Math.min(1, Math.max(0, f(x + f(f(normals[i]) * f(0.3)))))) },
    { kind: 'masking' as const, level: 0.25, draws: uniforms, rows: Float32Array.from(clean, (x, i) => (uniforms[i] >= f(0.25) ? x : 0)) },
  ];
  for (const { kind, level, draws, rows } of cases) {
    const spec: DenseGraphSpec = { sizes, hidden: 'relu', l2: 0, output: 'sigmoid' };
    const corrupted = await gradients({ ...spec, corruption: kind }, clean, clean, parameters, {
      corruption: new ort.Tensor('float32', draws, [count, 64]),
      corruptionLevel: new ort.Tensor('float32', Float32Array.of(level), []),
    });
    const expected = await gradients(spec, rows, clean, parameters);
    assert.ok(rows.some((value, i) => value !== clean[i]), `${kind}: the draws change the rows`);
    for (const [name, values] of Object.entries(expected)) {
      const got = corrupted[name];
      for (let i = 0; i < values.length; i++) assert.ok(Math.abs(got[i] - values[i]) <= 1e-6 * Math.max(1, Math.abs(values[i])), `${kind} ${name}[${i}]: ${got[i]} vs ${values[i]}`);
    }
  }
});

test('reconstruction without corruption: the native engine trains the tfjs engine\'s weights and losses', async () => {
  const data = digits('digits-members.csv');
  const features = data.features;
  const run = (engine: 'auto' | 'tfjs') =>
    trainDense(features, { kind: 'reconstruction', targets: features }, { sizes: [64, 16, 64], hiddenActivation: 'relu', optimizer: 'adam', learningRate: 0.01, batchSize: 32, epochs: 4, l2: 0, patience: 0, rng: new Rng(8), engine });
  const [native, tfjs] = [await run('auto'), await run('tfjs')];
  assert.equal(native.layers.at(-1)!.activation, 'sigmoid');
  native.trainingLoss.forEach((loss, epoch) => assert.ok(Math.abs(loss - tfjs.trainingLoss[epoch]) <= 1e-5 * Math.max(1, tfjs.trainingLoss[epoch]), `epoch ${epoch}: loss ${loss} vs tfjs ${tfjs.trainingLoss[epoch]}`));
  assert.ok(native.trainingLoss.at(-1)! < native.trainingLoss[0], 'it learned');
  native.layers.forEach((layer, l) => {
    for (let i = 0; i < layer.weights.length; i++) assert.ok(Math.abs(layer.weights[i] - tfjs.layers[l].weights[i]) <= 1e-4, `layer ${l} weight ${i}: ${layer.weights[i]} vs tfjs ${tfjs.layers[l].weights[i]}`);
  });
});

function meanSquaredError(a: Matrix, b: Matrix): number {
  let total = 0;
  for (let k = 0; k < a.data.length; k++) total += (a.data[k] - b.data[k]) ** 2;
  return total / a.data.length;
}

test('a denoising autoencoder trained on the native engine on a user\'s digits repeats by seed and removes most of its noise', async () => {
  const [members, others] = [digits('digits-members.csv').features, digits('digits-non-members.csv').features];
  for (const corruption of ['gaussian', 'masking'] as const) {
    const params = { hidden: '32', epochs: 60, batchSize: 32, learningRate: 0.005, corruption, noise: 0.25 };
    const [model, again] = [await trainDenoisingAutoencoder(members, params, new Rng(4)), await trainDenoisingAutoencoder(members, params, new Rng(4))];
    assert.deepEqual(again.toJSON(), model.toJSON(), `${corruption}: same seed, same model`);
    const rng = new Rng(9);
    const noisy = createMatrix(others.rows, others.cols, Float64Array.from(others.data, (v) => (corruption === 'gaussian' ? Math.min(1, Math.max(0, v + rng.normal(0, 0.25))) : rng.uniform() < 0.25 ? 0 : v)));
    const [before, after] = [meanSquaredError(noisy, others), meanSquaredError(model.reconstruct(noisy), others)];
    assert.ok(after < before / 2, `${corruption}: error ${after} after, ${before} before`);
  }
});
