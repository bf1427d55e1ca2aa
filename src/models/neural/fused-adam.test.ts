import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../backend/setup.ts';
import { tf } from '../../backend/tf.ts';
import { makeBlobs } from '../../data/datasets/synthetic.ts';
import { Rng } from '../../random.ts';
import { FusedAdam } from './fused-adam.ts';
import { MlpTrainer } from './mlp.ts';

/** A 7-13-3 tanh network's variables (odd sizes: the kernel's padded lanes) from fixed values. */
function network(rng: Rng): tf.Variable[] {
  const shapes: [number, ...number[]][] = [[7, 13], [13], [13, 3], [3]];
  return shapes.map((shape) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.7), shape)));
}

test('fused Adam gives the weights of tf.train.adam bit for bit (30 steps, gradients of very different sizes)', async () => {
  await initBackend();
  assert.equal(tf.getBackend(), 'wasm');
  const theirs = network(new Rng(3));
  const ours = network(new Rng(3));
  const rng = new Rng(4);
  const x = tf.tensor2d(Float32Array.from({ length: 40 * 7 }, () => rng.normal() * 3), [40, 7]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 40 }, () => rng.int(3)), 'int32'), 3).toFloat();
  const loss = (v: tf.Variable[], scale: number) => () =>
    tf.mul(scale, tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, v[0]), v[1])), v[2]), v[3]))) as tf.Scalar;
  const adam = tf.train.adam(0.01);
  const fused = new FusedAdam(ours, 0.01);
  for (let step = 0; step < 30; step++) {
    const scale = 10 ** ((step % 7) - 3); // gradients from 1e-3 to 1e3 times the loss's
    adam.minimize(loss(theirs, scale), false, theirs);
    const { value, grads } = tf.variableGrads(loss(ours, scale), ours);
    fused.apply(ours.map((v) => grads[v.name]));
    tf.dispose([value, grads]);
  }
  for (let k = 0; k < ours.length; k++) {
    const a = theirs[k].dataSync();
    const b = ours[k].dataSync();
    for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `variable ${k} entry ${i}: tfjs ${a[i]}, fused ${b[i]}`);
  }
  assert.notDeepEqual(Array.from(ours[0].dataSync()), Array.from(network(new Rng(3))[0].dataSync()), 'the weights moved');
  adam.dispose();
  tf.dispose([x, y, ...theirs, ...ours]);
});

test('an MLP trained with fused Adam keeps its accuracy and is the same model on a second run', async () => {
  const blobs = makeBlobs(300, { centers: 3, seed: 8 });
  const trainer = () => new MlpTrainer({ hidden: '16', epochs: 20, batchSize: 32, learningRate: 0.01, validationFraction: 0 });
  const first = await trainer().fit(blobs, new Rng(9));
  const second = await trainer().fit(blobs, new Rng(9));
  const a = first.predictProba(blobs.features).data;
  const b = second.predictProba(blobs.features).data;
  assert.deepEqual(Array.from(a), Array.from(b));
  let correct = 0;
  for (let i = 0; i < blobs.features.rows; i++) {
    let best = 0;
    for (let c = 1; c < 3; c++) if (a[i * 3 + c] > a[i * 3 + best]) best = c;
    if (best === blobs.labels[i]) correct++;
  }
  assert.ok(correct / blobs.features.rows > 0.9, `training accuracy ${correct / blobs.features.rows}`);
});
