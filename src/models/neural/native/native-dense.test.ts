import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeBlobs } from '../../../data/datasets/synthetic.ts';
import { fitStandardScaler } from '../../../data/encoders/scaling.ts';
import { Rng } from '../../../random.ts';
import { trainDense, type DenseTrainingOptions } from '../train-dense.ts';
import type { NetworkObjective } from '../train-loop.ts';
import { float32Rows, ROUND_ONCE_FROM_PASSES } from './float32-rows.ts';
import { denseStepper } from './native-dense.ts';

interface TraceRun {
  hidden: 'tanh' | 'relu' | 'sigmoid';
  sizes: number[];
  l2: number;
  soft: boolean;
  start: number[][];
  losses: number[];
  end: number[][];
}

const trace = JSON.parse(readFileSync(new URL('../../../../test/fixtures/torch/adam-trace.json', import.meta.url), 'utf8')) as {
  x: number[];
  oneHot: number[];
  soft: number[];
  features: number;
  classes: number;
  batches: number[][];
  runs: TraceRun[];
};

for (const run of trace.runs) {
  test(`native engine repeats PyTorch's Adam step for step: ${run.hidden}, sizes ${run.sizes.join('-')}${run.l2 > 0 ? `, L2 ${run.l2}` : ''}${run.soft ? ', soft labels' : ''} (fixture made by make_adam_trace.py)`, async () => {
    const stepper = await denseStepper({ sizes: run.sizes, hidden: run.hidden, l2: run.l2 }, 'adam', run.start.map((p) => Float32Array.from(p)), 0.01);
    // The fixture's float32 inputs as float64 rows (the engine takes the data set's precision and casts).
    const rowSet = stepper.rowSet(Float64Array.from(trace.x), Float32Array.from(run.soft ? trace.soft : trace.oneHot));
    for (const [k, rows] of trace.batches.entries()) {
      const loss = await stepper.step(rowSet, Int32Array.from(rows));
      assert.ok(Math.abs(loss - run.losses[k]) <= 2e-5 * Math.max(1, Math.abs(run.losses[k])), `step ${k}: loss ${loss}, PyTorch ${run.losses[k]}`);
    }
    const end = stepper.parameters();
    run.end.forEach((expected, p) => {
      for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(end[p][i] - expected[i]) <= 1e-4, `parameter ${p} entry ${i}: ${end[p][i]}, PyTorch ${expected[i]}`);
    });
    assert.ok(run.losses.at(-1)! < run.losses[0], 'the fixture run learned');
  });
}

const blobs = makeBlobs(90, { centers: 3, features: 5, std: 1.4, seed: 7 });

function options(overrides: Partial<DenseTrainingOptions>): DenseTrainingOptions {
  return { sizes: [5, 9, 3], hiddenActivation: 'tanh', optimizer: 'adam', learningRate: 0.01, batchSize: 16, epochs: 6, l2: 0, patience: 0, rng: new Rng(5), ...overrides };
}

const labels: NetworkObjective = { kind: 'classification', labels: blobs.labels, classes: 3 };

for (const settings of [
  { hiddenActivation: 'relu' as const },
  { hiddenActivation: 'sigmoid' as const, optimizer: 'sgd' as const, learningRate: 0.5 },
  { hiddenActivation: 'linear' as const, l2: 0.02 },
  { sizes: [5, 6, 4, 3], hiddenActivation: 'tanh' as const },
]) {
  test(`native and tfjs engines train the same network to rounding: ${JSON.stringify(settings)} (90 rows, batches of 16 and a last of 10)`, async () => {
    const native = await trainDense(blobs.features, labels, options(settings));
    const tfjs = await trainDense(blobs.features, labels, options({ ...settings, engine: 'tfjs' }));
    assert.equal(native.trainingLoss.length, 6);
    // Float32 losses summed in another order: within 5e-5 of each other (the weights much closer).
    native.trainingLoss.forEach((loss, epoch) => assert.ok(Math.abs(loss - tfjs.trainingLoss[epoch]) < 5e-5, `epoch ${epoch}: native ${loss}, tfjs ${tfjs.trainingLoss[epoch]}`));
    native.layers.forEach((layer, l) => {
      for (let i = 0; i < layer.weights.length; i++) assert.ok(Math.abs(layer.weights[i] - tfjs.layers[l].weights[i]) < 2e-5, `layer ${l} weight ${i}`);
      for (let i = 0; i < layer.biases.length; i++) assert.ok(Math.abs(layer.biases[i] - tfjs.layers[l].biases[i]) < 2e-5, `layer ${l} bias ${i}`);
      assert.equal(layer.activation, tfjs.layers[l].activation);
    });
  });
}

test('native engine: early stopping on the validation loss as the tfjs loop does, the same weights on the same seed', async () => {
  const held = makeBlobs(40, { centers: 3, features: 5, std: 1.4, seed: 8 });
  const validation = { features: held.features, objective: { kind: 'classification', labels: held.labels, classes: 3 } as NetworkObjective };
  const settings = options({ epochs: 200, patience: 3, learningRate: 0.05, validation });
  const native = await trainDense(blobs.features, labels, settings);
  const again = await trainDense(blobs.features, labels, { ...settings, rng: new Rng(5) });
  const tfjs = await trainDense(blobs.features, labels, { ...settings, rng: new Rng(5), engine: 'tfjs' });
  assert.ok(native.epochsRun < 200, `stopped early (ran ${native.epochsRun})`);
  assert.equal(native.epochsRun, native.bestEpoch + 3, 'three epochs without improvement after the best');
  assert.equal(native.validationLoss.length, native.epochsRun);
  assert.deepEqual(native.validationLoss, again.validationLoss);
  assert.deepEqual(native.layers.map((l) => Array.from(l.weights)), again.layers.map((l) => Array.from(l.weights)));
  assert.equal(native.bestEpoch, tfjs.bestEpoch, 'the same best epoch as tfjs');
  native.validationLoss.forEach((loss, epoch) => assert.ok(Math.abs(loss - tfjs.validationLoss[epoch]) < 1e-4, `validation loss of epoch ${epoch}`));
});

test('native engine: a parameter of the wrong size is a validation error naming it', async () => {
  await assert.rejects(denseStepper({ sizes: [2, 3, 2], hidden: 'relu', l2: 0 }, 'adam', [new Float32Array(6), new Float32Array(5), new Float32Array(3), new Float32Array(2)], 0.01), (error: Error) => /parameter w1 needs 6 values, got 5/.test(error.message));
});

test('THREATLAB_TRAINING_ENGINE=tfjs trains on tfjs (the weights of engine tfjs, bit for bit); an unknown name is a usage error naming the variable', async () => {
  const settings = options({ epochs: 2 });
  const tfjs = await trainDense(blobs.features, labels, { ...settings, engine: 'tfjs' });
  process.env.THREATLAB_TRAINING_ENGINE = 'tfjs';
  try {
    const chosen = await trainDense(blobs.features, labels, { ...settings, rng: new Rng(5) });
    assert.deepEqual(chosen.layers.map((l) => Array.from(l.weights)), tfjs.layers.map((l) => Array.from(l.weights)));
    process.env.THREATLAB_TRAINING_ENGINE = 'gpu';
    await assert.rejects(trainDense(blobs.features, labels, { ...settings, rng: new Rng(5) }), { code: 'usage', message: /THREATLAB_TRAINING_ENGINE is "gpu"/ });
  } finally {
    delete process.env.THREATLAB_TRAINING_ENGINE;
  }
  const native = await trainDense(blobs.features, labels, { ...settings, rng: new Rng(5) });
  assert.notDeepEqual(native.layers.map((l) => Array.from(l.weights)), tfjs.layers.map((l) => Array.from(l.weights)), 'unset: the native engine (weights equal to rounding, not bit for bit)');
});

for (const epochs of [3, ROUND_ONCE_FROM_PASSES]) {
  test(`native engine: rows scaled ${epochs < ROUND_ONCE_FROM_PASSES ? 'in the graph' : 'once into float32'} (${epochs} epochs) train the same weights, bit for bit, as rows scaled beforehand (training and validation)`, async () => {
    const scaler = fitStandardScaler(blobs.features);
    const held = makeBlobs(30, { centers: 3, features: 5, std: 1.4, seed: 9 });
    const objective: NetworkObjective = { kind: 'classification', labels: held.labels, classes: 3 };
    const inGraph = await trainDense(blobs.features, labels, options({ epochs, inputScaling: scaler, validation: { features: held.features, objective } }));
    const before = await trainDense(scaler.transform(blobs.features), labels, options({ epochs, validation: { features: scaler.transform(held.features), objective } }));
    assert.deepEqual(inGraph.layers.map((l) => [Array.from(l.weights), Array.from(l.biases)]), before.layers.map((l) => [Array.from(l.weights), Array.from(l.biases)]));
    assert.deepEqual(inGraph.validationLoss, before.validationLoss);
    const unscaled = await trainDense(blobs.features, labels, options({ epochs }));
    assert.notDeepEqual(unscaled.layers.map((l) => Array.from(l.weights)), inGraph.layers.map((l) => Array.from(l.weights)), 'the scaling mattered');
  });
}

test('float32 rows made once are the scaled rows rounded to float32, bit for bit; the buffer is reused by the next run and not shared while taken', () => {
  const scaler = fitStandardScaler(blobs.features);
  const first = float32Rows(blobs.features, scaler);
  assert.deepEqual(Array.from(first.rows), Array.from(Float32Array.from(scaler.transform(blobs.features).data)));
  const whileTaken = float32Rows(blobs.features);
  assert.notEqual(whileTaken.rows.buffer, first.rows.buffer);
  assert.deepEqual(Array.from(whileTaken.rows), Array.from(Float32Array.from(blobs.features.data)));
  first.release();
  const next = float32Rows(blobs.features);
  assert.equal(next.rows.buffer, first.rows.buffer, 'the given-back buffer is reused');
  assert.deepEqual(Array.from(next.rows), Array.from(Float32Array.from(blobs.features.data)));
});

test('native engine: rows in shared memory (which onnxruntime-node does not take) train the same weights, bit for bit, as the same rows in a buffer of their own', async () => {
  const shared = new Float64Array(new SharedArrayBuffer(blobs.features.data.byteLength));
  shared.set(blobs.features.data);
  const held = makeBlobs(30, { centers: 3, features: 5, std: 1.4, seed: 9 });
  const heldShared = new Float64Array(new SharedArrayBuffer(held.features.data.byteLength));
  heldShared.set(held.features.data);
  const objective: NetworkObjective = { kind: 'classification', labels: held.labels, classes: 3 };
  const own = await trainDense(blobs.features, labels, options({ epochs: 3, validation: { features: held.features, objective } }));
  const inShared = await trainDense({ ...blobs.features, data: shared }, labels, options({ epochs: 3, validation: { features: { ...held.features, data: heldShared }, objective } }));
  assert.deepEqual(inShared.layers.map((l) => [Array.from(l.weights), Array.from(l.biases)]), own.layers.map((l) => [Array.from(l.weights), Array.from(l.biases)]));
  assert.deepEqual(inShared.validationLoss, own.validationLoss);
});
