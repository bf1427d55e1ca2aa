import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../backend/setup.ts';
import { tf } from '../../backend/tf.ts';
import { makeBlobs, makeMoons } from '../../data/datasets/synthetic.ts';
import { hasCode } from '../../errors.ts';
import { Rng } from '../../random.ts';
import { loadLayersModel, saveLayersModel } from './layers-format.ts';
import { foldInputScaling, Mlp, MlpTrainer } from './mlp.ts';
import { trainerParamsOf } from '../registry.ts';
import { forward, type DenseLayer } from './dense-network.ts';
import { createMatrix } from '../../math/matrix.ts';

test('an MLP learns moons (non-linear) with early stopping restoring the best epoch', async () => {
  const moons = makeMoons(1000, { noise: 0.1, seed: 1 });
  const model = await new MlpTrainer({ hidden: '32,16', activation: 'tanh', epochs: 60, learningRate: 0.01, patience: 8, standardize: false }).fit(moons, new Rng(2));
  const accuracy = model.predict(moons.features).filter((p, i) => p === moons.labels[i]).length / 1000;
  assert.ok(accuracy > 0.97, `accuracy ${accuracy}`);
  const params = model.params as { epochsRun: number; bestEpoch: number };
  assert.ok(params.bestEpoch <= params.epochsRun);
});

test('input scaling folded into the first layer gives the same outputs as scaling the input', () => {
  const rng = new Rng(8);
  const layer: DenseLayer = { inputs: 3, outputs: 2, weights: Float64Array.from({ length: 6 }, () => rng.normal()), biases: Float64Array.from([0.5, -1]), activation: 'tanh' };
  const offset = Float64Array.from([1000, -3, 0.5]);
  const factor = Float64Array.from([0.01, 2, 1]);
  const raw = createMatrix(4, 3, Float64Array.from({ length: 12 }, () => rng.normal() * 100));
  const scaled = createMatrix(4, 3, Float64Array.from(raw.data, (v, k) => (v - offset[k % 3]) * factor[k % 3]));
  const folded = forward([foldInputScaling(layer, offset, factor)], raw).data;
  forward([layer], scaled).data.forEach((value, k) => assert.ok(Math.abs(value - folded[k]) < 1e-12));
});

test('an MLP trained on standardised inputs answers raw inputs', async () => {
  const blobs = makeBlobs(300, { seed: 4 });
  const shifted = { ...blobs, features: { ...blobs.features, data: Float64Array.from(blobs.features.data, (v) => v * 50 + 1000) } };
  const model = await new MlpTrainer({ hidden: '8', epochs: 60, batchSize: 32, learningRate: 0.01, standardize: true, validationFraction: 0 }).fit(shifted, new Rng(1));
  const accuracy = model.predict(shifted.features).filter((p, i) => p === shifted.labels[i]).length / 300;
  assert.ok(accuracy > 0.95, `accuracy ${accuracy}`);
});

test('save to and load from the tfjs LayersModel format keeps predictions; tfjs agrees', async () => {
  const blobs = makeBlobs(200, { seed: 5 });
  const model = await new MlpTrainer({ hidden: '6', activation: 'sigmoid', epochs: 5, validationFraction: 0, standardize: false }).fit(blobs, new Rng(3));
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-layers-'));
  await saveLayersModel(model, folder);
  const loaded = await loadLayersModel(join(folder, 'model.json'));
  assert.deepEqual(loaded.classes, model.classes);
  // Weights pass through float32 in the weight file: the models were float32-trained, so nothing is lost.
  assert.deepEqual(Array.from(loaded.predictProba(blobs.features).data), Array.from(model.predictProba(blobs.features).data));
  await initBackend();
  const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const bytes = readFileSync(join(folder, 'weights.bin'));
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const network = await tf.loadLayersModel(tf.io.fromMemory(manifest.modelTopology, manifest.weightsManifest[0].weights, weightData));
  const fromTf = network.predict(tf.tensor2d(Float32Array.from(blobs.features.data), [200, 2])) as tf.Tensor;
  const ours = model.predictProba(blobs.features).data;
  Array.from(fromTf.dataSync()).forEach((p, k) => assert.ok(Math.abs(p - ours[k]) < 1e-5));
});

test('a non-dense tfjs model and a corrupted model.json are refused with codes', async () => {
  await initBackend();
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-layers-bad-'));
  const network = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' })] });
  await network.save(tf.io.withSaveHandler(async (artifacts) => {
    writeFileSync(join(folder, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  await assert.rejects(loadLayersModel(join(folder, 'model.json')), (e) => hasCode(e, 'validation') && /Conv2D/.test(e.message));
  writeFileSync(join(folder, 'broken.json'), '{"modelTopology": ');
  await assert.rejects(loadLayersModel(join(folder, 'broken.json')), (e) => hasCode(e, 'parse-error'));
});

test('standardize (the default) leaves inputs that all lie in [0, 1] as they are, as standardize=false trains them, and records it; other inputs are standardised', async () => {
  const blobs = makeBlobs(300, { centers: 3, features: 6, seed: 3 });
  // The blobs squeezed into [0, 1], one column nearly constant (a pixel lit in a few images).
  const values = blobs.features.data;
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const unit = Float64Array.from(values, (value) => (value - low) / (high - low));
  for (let i = 0; i < 300; i++) unit[i * 6] = i % 97 === 0 ? 1 : 0;
  const unitRows = { ...blobs, features: createMatrix(300, 6, unit) };
  const settings = { hidden: '8', epochs: 5, validationFraction: 0 };
  const byDefault = await new MlpTrainer(settings).fit(unitRows, new Rng(4));
  const raw = await new MlpTrainer({ ...settings, standardize: false }).fit(unitRows, new Rng(4));
  assert.equal(byDefault.params.standardize, false, 'the model file says the inputs went in unscaled');
  assert.deepEqual(byDefault.layers[0].weights, raw.layers[0].weights);
  assert.deepEqual(byDefault.predictProba(unitRows.features).data, raw.predictProba(unitRows.features).data);
  const wide = await new MlpTrainer(settings).fit(blobs, new Rng(4));
  assert.equal(wide.params.standardize, true);
  const wideRaw = await new MlpTrainer({ ...settings, standardize: false }).fit(blobs, new Rng(4));
  assert.notDeepEqual(wide.layers[0].weights, wideRaw.layers[0].weights);
  // A file that says standardize=true was scaled (a file made before 2026-12-06 on pixels, too): its shadows' recipe scales whatever their rows.
  const older = new Mlp({ ...byDefault, layers: [...byDefault.layers], params: { ...byDefault.params, standardize: true } });
  const recipe = trainerParamsOf(older);
  assert.equal(recipe.standardizeUnitInputs, true);
  const shadow = await new MlpTrainer({ ...recipe, epochs: 5, validationFraction: 0 }).fit(unitRows, new Rng(4));
  assert.equal(shadow.params.standardize, true, 'scaled as the target was');
  assert.notDeepEqual(shadow.layers[0].weights, raw.layers[0].weights);
  assert.deepEqual([trainerParamsOf(byDefault).standardize, trainerParamsOf(byDefault).standardizeUnitInputs], [false, false], 'a file that says false trains its shadows unscaled');
});
