import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../backend/tf.ts';
import { initBackend, useBackend } from '../../backend/setup.ts';
import type { Activation, DenseLayer } from '../../models/neural/dense-network.ts';
import { applyLayers, disposeLayers, tensorLayer } from '../inversion/differentiable.ts';
import { Rng } from '../../random.ts';
import { cnnAttackerGradient, denseAttackerGradient, tfjsAttackerGradient, type AttackerGradient, type WeightPlacement } from './attacker-gradient.ts';
import { Cnn } from '../../models/neural/cnn.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { DENSE_OWN_SESSION_ROW_STEPS, logitModel, CNN_OWN_SESSION_ROW_STEPS } from './logits.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { runWhiteBox } from './white-box.ts';
import { createMatrix, selectRows } from '../../math/matrix.ts';
import { join } from 'node:path';
import { directSessionsMade } from '../../models/neural/native/direct-session.ts';
import { convertOnnx } from '../../models/onnx/onnx-convert.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { loadModelFile } from '../../models/registry.ts';
import { loadUserCsv } from '../../data/user-data.ts';
import { concatRows, type ClassificationDataset } from '../../data/dataset.ts';

function layer(inputs: number, outputs: number, activation: Activation, rng: Rng): DenseLayer {
  return { inputs, outputs, activation, weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal(0, 0.6)), biases: Float64Array.from({ length: outputs }, () => rng.normal(0, 0.3)) };
}

/** tfjs's scores of dense layers: the last layer before its activation, one output as (0, z) — logits.ts's rule. */
function tfjsScores(layers: DenseLayer[]): { logits: (x: tf.Tensor2D) => tf.Tensor2D; dispose: () => void } {
  const tensors = layers.map(tensorLayer);
  const hidden = tensors.slice(0, -1);
  const last = tensors[tensors.length - 1];
  return {
    logits: (x) => {
      const z = tf.add(tf.matMul(applyLayers(hidden, x), last.weights), last.biases) as tf.Tensor2D;
      return z.shape[1] === 1 ? tf.concat([tf.zerosLike(z), z], 1) : z;
    },
    dispose: () => disposeLayers(tensors),
  };
}

for (const [name, shape] of [
  ['MLP, relu', [[12, 16, 'relu'], [16, 5, 'softmax']]],
  ['MLP, tanh then sigmoid', [[12, 9, 'tanh'], [9, 7, 'sigmoid'], [7, 4, 'softmax']]],
  ['softmax regression', [[12, 3, 'linear']]],
  ['binary logistic (one score, as (0, z))', [[12, 1, 'linear']]],
] as const) {
  test(`attacker gradient on onnxruntime equals tfjs's gradient of attackerLoss (${name}), untargeted and targeted, weights fed or held in the model's own graph`, async () => {
    await initBackend();
    const rng = new Rng(3);
    const layers = shape.map(([inputs, outputs, activation]) => layer(inputs, outputs, activation, rng));
    const rows = 9;
    const classes = Math.max(2, layers[layers.length - 1].outputs);
    const x = Float32Array.from({ length: rows * 12 }, () => rng.normal());
    const aim = Int32Array.from({ length: rows }, (_, i) => i % classes);
    const scores = tfjsScores(layers);
    try {
      for (const placement of PLACEMENTS) await assertSameGradients(denseAttackerGradient(layers, placement)!, tfjsAttackerGradient(scores.logits, 12, classes), x, rows, aim);
    } finally {
      scores.dispose();
    }
  });
}

const PLACEMENTS: WeightPlacement[] = ['shared', 'own'];

/** The two gradients (and scores) agree to float32 rounding, untargeted and targeted. */
async function assertSameGradients(native: AttackerGradient, reference: AttackerGradient, x: Float32Array, rows: number, aim: Int32Array): Promise<void> {
  for (const targeted of [false, true]) {
    const [ours, theirs] = [await native(x, rows, aim, targeted), await reference(x, rows, aim, targeted)];
    assert.equal(ours.logits.length, theirs.logits.length);
    assert.equal(ours.gradient.length, x.length);
    let largest = 0;
    for (const g of theirs.gradient) largest = Math.max(largest, Math.abs(g));
    assert.ok(largest > 1e-3, 'a gradient to compare');
    ours.logits.forEach((value, k) => assert.ok(Math.abs(value - theirs.logits[k]) <= 1e-5 * (1 + Math.abs(value)), `logit ${k}: ${value} vs ${theirs.logits[k]}`));
    ours.gradient.forEach((value, k) => assert.ok(Math.abs(value - theirs.gradient[k]) <= 1e-5 * (1 + largest), `${targeted ? 'targeted' : 'untargeted'} gradient ${k}: ${value} vs ${theirs.gradient[k]}`));
  }
}

test("a CNN's attacker gradient on onnxruntime (two blocks, odd sizes that floor-pooling cuts, two channels; weights fed or held) equals tfjs's", async () => {
  await initBackend();
  const rng = new Rng(8);
  const image = { height: 13, width: 11, channels: 2 };
  const block = (kernelSize: number, inputChannels: number, filters: number) => ({ kernelSize, inputChannels, filters, weights: Float64Array.from({ length: kernelSize * kernelSize * inputChannels * filters }, () => rng.normal(0, 0.5)), biases: Float64Array.from({ length: filters }, () => rng.normal(0, 0.1)) });
  // 13 × 11 → conv 3: 11 × 9 → pool: 5 × 4 → conv 2: 4 × 3 → pool: 2 × 1, 4 filters.
  const convolutions = [block(3, 2, 3), block(2, 3, 4)];
  const dense = [layer(8, 6, 'relu', rng), layer(6, 3, 'softmax', rng)];
  const cnn = new Cnn({ classes: ['a', 'b', 'c'], schema: uniformNumericSchema(13 * 11 * 2, 'p', 0, 1), image, convolutions, dense, params: {} });
  const rows = 5;
  const x = Float32Array.from({ length: rows * cnn.inputSize }, () => rng.uniform());
  const reference = await logitModel(cnn);
  try {
    for (const placement of PLACEMENTS) await assertSameGradients(cnnAttackerGradient(cnn, placement)!, tfjsAttackerGradient(reference.logits, cnn.inputSize, 3), x, rows, Int32Array.from({ length: rows }, (_, i) => i % 3));
  } finally {
    reference.dispose();
  }
});

test("a CNN's attacker gradient on onnxruntime sends each pooled gradient to the first of a window's equal largest values, as PyTorch and tfjs's cpu backend do (blank regions with positive biases: ties in every window there)", async () => {
  await initBackend();
  const rng = new Rng(9);
  const image = { height: 12, width: 10, channels: 1 };
  const block = (kernelSize: number, inputChannels: number, filters: number, biases: number[]) => ({ kernelSize, inputChannels, filters, weights: Float64Array.from({ length: kernelSize * kernelSize * inputChannels * filters }, () => rng.normal(0, 0.5)), biases: Float64Array.from(biases) });
  // 12 × 10 → conv 3: 10 × 8 → pool: 5 × 4 → conv 2: 4 × 3 → pool: 2 × 1. Over a blank region
  // each filter's convolution is its bias: positive biases tie every window there, the negative
  // one leaves it off (no gradient).
  const convolutions = [block(3, 1, 3, [0.2, 0.35, -0.1]), block(2, 3, 2, [0.15, 0.25])];
  const dense = [layer(4, 5, 'relu', rng), layer(5, 3, 'softmax', rng)];
  const cnn = new Cnn({ classes: ['a', 'b', 'c'], schema: uniformNumericSchema(12 * 10, 'p', 0, 1), image, convolutions, dense, params: {} });
  const rows = 4;
  // Row 0 blank; the others a random patch in a blank image (the patch's corner moves row by row).
  const x = new Float32Array(rows * cnn.inputSize);
  for (let i = 1; i < rows; i++) {
    for (let r = i; r < i + 4; r++) for (let c = 2 * i; c < 2 * i + 4; c++) x[i * cnn.inputSize + r * 10 + c] = rng.uniform();
  }
  const reference = await logitModel(cnn);
  // tfjs's wasm MaxPoolGrad breaks ties otherwise (the test fails against it); its cpu backend
  // takes a window's first largest value, as PyTorch's max-pooling indices and onnxruntime's do.
  const tfjs = tfjsAttackerGradient(reference.logits, cnn.inputSize, 3);
  const onCpu: AttackerGradient = async (values, count, aim, targeted) => {
    await useBackend('cpu');
    try {
      return await tfjs(values, count, aim, targeted);
    } finally {
      await useBackend('wasm');
    }
  };
  try {
    for (const placement of PLACEMENTS) await assertSameGradients(cnnAttackerGradient(cnn, placement)!, onCpu, x, rows, Int32Array.from({ length: rows }, (_, i) => i % 3));
  } finally {
    reference.dispose();
  }
});

for (const name of ['digits-cnn', 'colour-cnn']) {
  test(`the attacker gradient of PyTorch's exported ${name} (converted from ONNX, a model made outside threatlab) on onnxruntime equals tfjs's`, async () => {
    await initBackend();
    const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');
    const cnn = convertOnnx(join(fixtures, `${name}.onnx`), readModelDescription(join(fixtures, `${name}.description.json`)));
    assert.ok(cnn instanceof Cnn);
    const rng = new Rng(4);
    const rows = 6;
    const classes = cnn.classes.length;
    const x = Float32Array.from({ length: rows * cnn.inputSize }, () => rng.uniform());
    const reference = await logitModel(cnn);
    try {
      for (const placement of PLACEMENTS) await assertSameGradients(cnnAttackerGradient(cnn, placement)!, tfjsAttackerGradient(reference.logits, cnn.inputSize, classes), x, rows, Int32Array.from({ length: rows }, (_, i) => i % classes));
    } finally {
      reference.dispose();
    }
  });
}

test('a hidden softmax layer has no graph: the caller falls back to tfjs', () => {
  const rng = new Rng(1);
  assert.equal(denseAttackerGradient([layer(4, 3, 'softmax', rng), layer(3, 2, 'softmax', rng)]), undefined);
});

test("a released gradient's arrays stay readable until the gradient's next call, which frees them (detached) before it runs", async () => {
  const rng = new Rng(5);
  const layers = [layer(12, 8, 'relu', rng), layer(8, 3, 'softmax', rng)];
  const gradient = denseAttackerGradient(layers)!;
  const x = Float32Array.from({ length: 4 * 12 }, () => rng.normal());
  const aim = Int32Array.of(0, 1, 2, 0);
  const first = await gradient(x, 4, aim, false);
  const copy = Float32Array.from(first.gradient);
  first.release();
  assert.deepEqual(Float32Array.from(first.gradient), copy, 'still readable after release');
  const second = await gradient(x, 4, aim, false);
  assert.equal(first.gradient.length, 0, 'freed by the next call');
  assert.equal(first.logits.length, 0);
  assert.deepEqual(Float32Array.from(second.gradient), copy, 'the same rows give the same gradient');
  second.release();
  second.release(); // twice: freed once, no error
  await gradient(x, 4, aim, false);
  assert.equal(second.gradient.length, 0);
});

test("prepare() makes a gradient's onnxruntime session once, before its first call (an attack's own time starts after it)", async () => {
  const rng = new Rng(8);
  // An architecture no other test uses, so that no shared session of it exists yet.
  const layers = [layer(13, 7, 'tanh', rng), layer(7, 3, 'softmax', rng)];
  for (const placement of ['shared', 'own'] as const) {
    const before = directSessionsMade();
    const gradient = denseAttackerGradient(layers, placement)!;
    assert.equal(directSessionsMade() - before, 0, `${placement}: nothing made before it is asked for`);
    await gradient.prepare!();
    assert.equal(directSessionsMade() - before, 1, `${placement}: prepare makes the session`);
    const at = await gradient(Float32Array.from({ length: 2 * 13 }, () => rng.normal()), 2, Int32Array.of(0, 2), false);
    at.release();
    await gradient.prepare!();
    assert.equal(directSessionsMade() - before, 1, `${placement}: neither the call nor a second prepare makes another`);
  }
  assert.equal(tfjsAttackerGradient((x) => x, 2, 2).prepare, undefined, 'tfjs makes nothing ahead');
});

test("a long run takes the model's own session, a short one the shared session until the own one is made (a CNN's threshold and a dense model's)", async () => {
  const rng = new Rng(6);
  const image = { height: 8, width: 8, channels: 1 };
  const convolutions = [{ kernelSize: 3, inputChannels: 1, filters: 2, weights: Float64Array.from({ length: 18 }, () => rng.normal(0, 0.5)), biases: new Float64Array(2) }];
  const cnn = new Cnn({ classes: ['a', 'b'], schema: uniformNumericSchema(64, 'p', 0, 1), image, convolutions, dense: [layer(18, 2, 'softmax', rng)], params: {} });
  const scores = await logitModel(cnn);
  const mlp = await logitModel(new Mlp({ classes: ['a', 'b'], schema: uniformNumericSchema(4, 'p', 0, 1), layers: [layer(4, 3, 'relu', rng), layer(3, 2, 'softmax', rng)], params: {} }));
  try {
    assert.equal(scores.gradientForRun(CNN_OWN_SESSION_ROW_STEPS - 1), scores.gradientAt, 'short run: shared');
    const own = scores.gradientForRun(CNN_OWN_SESSION_ROW_STEPS);
    assert.notEqual(own, scores.gradientAt, 'long run: its own');
    assert.equal(scores.gradientForRun(1), own, 'once made, every run');
    assert.equal(mlp.gradientForRun(DENSE_OWN_SESSION_ROW_STEPS - 1), mlp.gradientAt, 'a short dense run: shared');
    const denseOwn = mlp.gradientForRun(DENSE_OWN_SESSION_ROW_STEPS);
    assert.notEqual(denseOwn, mlp.gradientAt, 'a long dense run: its own');
    assert.equal(mlp.gradientForRun(1), denseOwn, 'once made, every dense run');
  } finally {
    scores.dispose();
    mlp.dispose();
  }
});

test("PGD on PyTorch's exported digits CNN: a 400-row run on the model's own session gives the rows a 40-row run on the shared session gives", async () => {
  await initBackend();
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');
  const load = () => convertOnnx(join(fixtures, 'digits-cnn.onnx'), readModelDescription(join(fixtures, 'digits-cnn.description.json'))) as Cnn;
  const rng = new Rng(9);
  const inputs = createMatrix(400, 64, Float64Array.from({ length: 400 * 64 }, () => rng.uniform()));
  const options = { epsilon: 0.2, norm: 'inf' as const, steps: 40, attackEvery: true, fullSteps: true, seed: 7 };
  const long = load();
  const own = await runWhiteBox(long, 'pgd', inputs, options);
  const scores = await logitModel(long);
  assert.notEqual(scores.gradientForRun(1), scores.gradientAt, 'the 400-row run made the own session');
  scores.dispose();
  // 40 rows of 40 steps: under the CNN's threshold (CNN_OWN_SESSION_ROW_STEPS), on the shared session.
  const shortRows = 40;
  assert.ok(shortRows * options.steps < CNN_OWN_SESSION_ROW_STEPS && 400 * options.steps >= CNN_OWN_SESSION_ROW_STEPS);
  const shortModel = load();
  const short = await runWhiteBox(shortModel, 'pgd', selectRows(inputs, Uint32Array.from({ length: shortRows }, (_, i) => i)), options);
  const shortScores = await logitModel(shortModel);
  assert.equal(shortScores.gradientForRun(1), shortScores.gradientAt, 'the 40-row run stayed on the shared session');
  shortScores.dispose();
  let apart = 0;
  for (let k = 0; k < shortRows * 64; k++) if (Math.abs(own.adversarial.data[k] - short.adversarial.data[k]) > 1e-6) apart++;
  // Rounding may flip the sign of a near-zero gradient entry, moving a pixel one step apart.
  assert.ok(apart <= 0.005 * shortRows * 64, `${apart} of ${shortRows * 64} values apart`);
  assert.deepEqual(own.outcomes.slice(0, shortRows).map((o) => o.adversarialLabel), short.outcomes.map((o) => o.adversarialLabel));
  assert.ok(own.summary.successRate > 0.5, `PGD succeeds on most rows (${own.summary.successRate})`);
});

test("FGSM and PGD on scikit-learn's digits MLP and its CSV rows: a run long enough for the model's own session gives the rows a short run on the shared session gives", async () => {
  await initBackend();
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
  const file = join(fixtures, 'digits-mlp.json');
  const csv = (name: string) => loadUserCsv(join(fixtures, name), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;
  // The three CSVs' 1,797 rows: a 1,500-row FGSM run takes the own session.
  const all = concatRows(concatRows(csv('digits-members.csv'), csv('digits-non-members.csv')), csv('digits-population.csv'));
  const rows = DENSE_OWN_SESSION_ROW_STEPS;
  const inputs = selectRows(all.features, Uint32Array.from({ length: rows }, (_, i) => i));
  const short = selectRows(inputs, Uint32Array.from({ length: 100 }, (_, i) => i));
  for (const [attack, steps] of [['fgsm', 1], ['pgd', 5]] as const) {
    const options = { epsilon: 2, norm: 'inf' as const, steps, attackEvery: true, fullSteps: true, seed: 3 };
    const longModel = loadModelFile(file) as Mlp;
    const long = await runWhiteBox(longModel, attack, attack === 'fgsm' ? inputs : selectRows(inputs, Uint32Array.from({ length: rows / steps }, (_, i) => i)), options);
    const scores = await logitModel(longModel);
    assert.notEqual(scores.gradientForRun(1), scores.gradientAt, `${attack}: the long run made the own session`);
    scores.dispose();
    const shortModel = loadModelFile(file) as Mlp;
    const apartRun = await runWhiteBox(shortModel, attack, short, options);
    const check = await logitModel(shortModel);
    assert.equal(check.gradientForRun(1), check.gradientAt, `${attack}: the short run stayed on the shared session`);
    check.dispose();
    let apart = 0;
    for (let k = 0; k < 100 * 64; k++) if (Math.abs(long.adversarial.data[k] - apartRun.adversarial.data[k]) > 1e-6) apart++;
    // Rounding may flip the sign of a near-zero gradient entry, moving a value one step apart.
    assert.ok(apart <= 0.005 * 100 * 64, `${attack}: ${apart} of 6,400 values apart`);
    assert.deepEqual(long.outcomes.slice(0, 100).map((o) => o.adversarialLabel), apartRun.outcomes.map((o) => o.adversarialLabel));
    assert.ok(long.summary.successRate > 0.3, `${attack} succeeds on many rows (${long.summary.successRate})`);
  }
});
