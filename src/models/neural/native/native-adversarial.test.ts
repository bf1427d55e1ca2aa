/**
 * Adversarial training on the native engine (Madry et al. 2018): the PGD examples each batch's
 * graph makes — a dense network's and a CNN's — are the tfjs engine's adversary's from the same
 * random start, and a run trains the same weights on the same seed, other weights than plain
 * training's.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { tf } from '../../../backend/tf.ts';
import { initBackend } from '../../../backend/setup.ts';
import { adversaryStepSizes } from '../../../defenses/adversarial-training.ts';
import { makeBlobs } from '../../../data/datasets/synthetic.ts';
import { hasCode } from '../../../errors.ts';
import { Rng } from '../../../random.ts';
import { trainDense, type DenseTrainingOptions } from '../train-dense.ts';
import { cnnAdversarialRowsGraph, cnnParameterShapes } from './cnn-step-graph.ts';
import { adversarialRowsGraph, parameterShapes } from './dense-step-graph.ts';
import { openDirectSession } from './direct-session.ts';
import { denseStepper } from './native-dense.ts';

const [rows, cols, classes, steps] = [24, 6, 3, 4];

/** An adversarial rows graph's feeds: every one of `count` float32 rows, their one-hot targets, the starts, the per-column box and steps, the parameters. */
function pgdFeeds(
  values: { data: Float32Array; targets: Float32Array; noise: Float32Array; radius: ArrayLike<number>; lower: ArrayLike<number>; upper: ArrayLike<number>; step: ArrayLike<number> },
  count: number,
  classCount: number,
  shapes: { name: string; dims: number[] }[],
  parameters: Float32Array[],
): Record<string, ort.Tensor> {
  const width = values.data.length / count;
  const column = (of: ArrayLike<number>) => new ort.Tensor('float32', Float32Array.from(of), [width]);
  const feeds: Record<string, ort.Tensor> = {
    data: new ort.Tensor('float32', values.data, [count, width]),
    targets: new ort.Tensor('float32', values.targets, [count, classCount]),
    indices: new ort.Tensor('int32', Int32Array.from({ length: count }, (_, i) => i), [count]),
    noise: new ort.Tensor('float32', values.noise, [count, width]),
    radius: column(values.radius),
    lower: column(values.lower),
    upper: column(values.upper),
    step: column(values.step),
  };
  shapes.forEach(({ name, dims }, k) => (feeds[name] = new ort.Tensor('float32', parameters[k], dims)));
  return feeds;
}

for (const hidden of ['relu', 'tanh'] as const) {
  test(`native PGD examples (${hidden}): the tfjs adversary's steps from the same start, per-column radii, every row in its ball and the box`, async () => {
    await initBackend();
    const rng = new Rng(11);
    const sizes = [cols, 8, classes];
    const parameters = parameterShapes(sizes).map(({ dims }) => {
      const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
      rng.fillBetween(values, -1, 1);
      return values;
    });
    const data = new Float32Array(rows * cols);
    rng.fillBetween(data, 0, 1);
    const labels = Int32Array.from({ length: rows }, () => rng.int(classes));
    const targets = new Float32Array(rows * classes);
    labels.forEach((label, i) => (targets[i * classes + label] = 1));
    // Radii as a standardised MLP's: ε times each column's scale factor.
    const radius = Float64Array.from({ length: cols }, (_, j) => 0.05 * (1 + j));
    const [lower, upper] = [new Float32Array(cols).fill(0), new Float32Array(cols).fill(1)];
    const noise = new Float32Array(rows * cols);
    rng.fillBetween(noise, -1, 1);
    const step = adversaryStepSizes(radius, steps);

    const session = await openDirectSession(adversarialRowsGraph({ sizes, hidden, l2: 0, rows: 'float', adversarialSteps: steps }));
    const feeds = pgdFeeds({ data, targets, noise, radius, lower, upper, step }, rows, classes, parameterShapes(sizes), parameters);
    const native = (await session.run(feeds)).adversarial.data as Float32Array;

    // The tfjs engine's adversary (defenses/adversarial-training.ts), its start given.
    const reference = tf.tidy(() => {
      const [w0, w1, b0, b1] = parameters.map((values, k) => tf.tensor(values, parameterShapes(sizes)[k].dims));
      const activation = (z: tf.Tensor) => (hidden === 'relu' ? tf.relu(z) : tf.tanh(z));
      const scores = (x: tf.Tensor) => tf.add(tf.matMul(activation(tf.add(tf.matMul(x as tf.Tensor2D, w0 as tf.Tensor2D), b0)) as tf.Tensor2D, w1 as tf.Tensor2D), b1) as tf.Tensor2D;
      const y = tf.tensor2d(targets, [rows, classes]);
      const gradient = tf.grad((x: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, scores(x)) as tf.Scalar);
      const x0 = tf.tensor2d(data, [rows, cols]);
      const r = tf.tensor1d(Float32Array.from(radius));
      const low = tf.maximum(tf.sub(x0, r), tf.tensor1d(lower));
      const high = tf.minimum(tf.add(x0, r), tf.tensor1d(upper));
      let x = tf.minimum(tf.maximum(tf.add(x0, tf.mul(tf.tensor2d(noise, [rows, cols]), r)), low), high);
      for (let s = 0; s < steps; s++) x = tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.tensor1d(step), tf.sign(gradient(x)))), low), high);
      return x.dataSync() as Float32Array;
    });

    let same = 0;
    for (let k = 0; k < rows * cols; k++) {
      const j = k % cols;
      if (native[k] === reference[k]) same++;
      assert.ok(native[k] >= lower[j] && native[k] <= upper[j], `value ${k} left the box: ${native[k]}`);
      assert.ok(Math.abs(native[k] - data[k]) <= Math.fround(radius[j]) * (1 + 1e-6), `value ${k} left its ball: ${native[k]} from ${data[k]}, radius ${radius[j]}`);
    }
    // Equal but where a gradient near zero took another sign in the other engine's sums.
    assert.ok(same >= 0.99 * rows * cols, `${same} of ${rows * cols} values as tfjs's adversary made them`);
    assert.ok(native.some((value, k) => value !== data[k]), 'the examples moved');
  });
}

test('native PGD examples of a CNN (9 × 9 images, one block, odd sizes): the tfjs adversary\'s steps from the same start, every row in its ball and the box', async () => {
  await initBackend();
  const rng = new Rng(12);
  const spec = { image: { height: 9, width: 9, channels: 1 }, filters: [3], hidden: 5, classes, l2: 0, rows: 'float' as const, adversarialSteps: steps };
  const shapes = cnnParameterShapes(spec);
  const parameters = shapes.map(({ dims }) => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    rng.fillBetween(values, -1, 1);
    return values;
  });
  const [count, width] = [10, 81];
  const data = new Float32Array(count * width);
  rng.fillBetween(data, 0, 1);
  const targets = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) targets[i * classes + rng.int(classes)] = 1;
  const radius = new Float64Array(width).fill(0.1);
  const noise = new Float32Array(count * width);
  rng.fillBetween(noise, -1, 1);
  const step = adversaryStepSizes(radius, steps);
  const session = await openDirectSession(cnnAdversarialRowsGraph(spec));
  const feeds = pgdFeeds({ data, targets, noise, radius, lower: new Float32Array(width), upper: new Float32Array(width).fill(1), step }, count, classes, shapes, parameters);
  const native = (await session.run(feeds)).adversarial.data as Float32Array;

  // The tfjs engine's network (cnn.ts: valid 3 × 3 convolution, relu, 2 × 2 max-pooling; dense relu; scores) and adversary.
  const reference = tf.tidy(() => {
    const [kernel, bias, w0, w1, b0, b1] = parameters.map((values, k) => tf.tensor(values, shapes[k].dims));
    const scores = (x: tf.Tensor) => {
      const pooled = tf.maxPool(tf.relu(tf.add(tf.conv2d(tf.reshape(x, [-1, 9, 9, 1]) as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'valid'), bias)) as tf.Tensor4D, 2, 2, 'valid');
      return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.reshape(pooled, [-1, 27]) as tf.Tensor2D, w0 as tf.Tensor2D), b0)) as tf.Tensor2D, w1 as tf.Tensor2D), b1) as tf.Tensor2D;
    };
    const y = tf.tensor2d(targets, [count, classes]);
    const gradient = tf.grad((x: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, scores(x)) as tf.Scalar);
    const x0 = tf.tensor2d(data, [count, width]);
    const low = tf.maximum(tf.sub(x0, 0.1), 0);
    const high = tf.minimum(tf.add(x0, 0.1), 1);
    let x = tf.minimum(tf.maximum(tf.add(x0, tf.mul(tf.tensor2d(noise, [count, width]), Math.fround(0.1))), low), high);
    for (let s = 0; s < steps; s++) x = tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.tensor1d(step), tf.sign(gradient(x)))), low), high);
    return x.dataSync() as Float32Array;
  });
  let same = 0;
  for (let k = 0; k < count * width; k++) {
    if (native[k] === reference[k]) same++;
    assert.ok(native[k] >= 0 && native[k] <= 1 && Math.abs(native[k] - data[k]) <= Math.fround(0.1) * (1 + 1e-6), `value ${k}: ${native[k]} from ${data[k]}`);
  }
  assert.ok(same >= 0.99 * count * width, `${same} of ${count * width} values as tfjs's adversary made them`);
  assert.ok(native.some((value, k) => value !== data[k]), 'the examples moved');
});

const blobs = makeBlobs(120, { centers: 3, features: 5, std: 1.6, seed: 3 });
const objective = { kind: 'classification' as const, labels: blobs.labels, classes: 3 };
const box = { radius: new Float64Array(5).fill(0.3), lower: new Float64Array(5).fill(-20), upper: new Float64Array(5).fill(20) };
const options = (seed: number, adversarial: boolean): DenseTrainingOptions => ({
  sizes: [5, 12, 3], hiddenActivation: 'relu', optimizer: 'adam', learningRate: 0.01, batchSize: 16, epochs: 5, l2: 0, patience: 0, rng: new Rng(seed),
  ...(adversarial && { adversary: { box, steps: 3, rng: new Rng(seed + 1) } }),
});

test('native adversarial training: the same weights on the same seed, others than plain training\'s', async () => {
  const [first, again, plain] = [await trainDense(blobs.features, objective, options(4, true)), await trainDense(blobs.features, objective, options(4, true)), await trainDense(blobs.features, objective, options(4, false))];
  first.layers.forEach((layer, l) => assert.deepEqual(again.layers[l].weights, layer.weights, `layer ${l}: same seed, same weights`));
  assert.notDeepEqual(plain.layers[0].weights, first.layers[0].weights, 'the PGD examples changed what was learned');
});

test('a stepper told an adversary of other steps than its graph makes is a validation error naming both', async () => {
  const parameters = parameterShapes([5, 4, 3]).map(({ dims }) => new Float32Array(dims.reduce((a, b) => a * b, 1)));
  const stepper = await denseStepper({ sizes: [5, 4, 3], hidden: 'relu', l2: 0 }, 'adam', parameters, 0.01);
  try {
    assert.throws(() => stepper.trainAdversarially({ box, steps: 3, rng: new Rng(1) }), (error) => hasCode(error, 'validation') && /0 PGD steps a batch, the adversary 3/.test((error as Error).message));
  } finally {
    stepper.release();
  }
});
