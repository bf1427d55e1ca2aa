/**
 * The vectorised per-example clipping against the definition: one gradient per example (a loop
 * of tf.grads), each clipped to norm C over all layers, summed. Dense and convolution ops.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { Rng } from '../../random.ts';
import { clippedGradientSums, type LinearOp, type ProbedNetwork } from './clipped-gradients.ts';

function variable(rng: Rng, shape: number[]): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => rng.normal(0, 0.5)), shape));
}

/** conv 3×3 (1 → 2 channels) → relu → flatten → dense (… → 3). */
function tinyCnn(rng: Rng): ProbedNetwork & { variables: tf.Variable[] } {
  const ops: LinearOp[] = [
    { kind: 'conv', weight: variable(rng, [3, 3, 1, 2]), bias: variable(rng, [2]), kernelSize: 3 },
    { kind: 'dense', weight: variable(rng, [2 * 3 * 3, 4]), bias: variable(rng, [4]) },
    { kind: 'dense', weight: variable(rng, [4, 3]), bias: variable(rng, [3]) },
  ];
  const forward: ProbedNetwork['forward'] = (input, atOp) => {
    const image = tf.reshape(input, [-1, 5, 5, 1]) as tf.Tensor4D;
    const conv = tf.relu(atOp(0, image, tf.add(tf.conv2d(image, ops[0].weight as tf.Tensor4D, 1, 'valid'), ops[0].bias)));
    const flat = tf.reshape(conv, [-1, 18]);
    const hidden = tf.tanh(atOp(1, flat, tf.add(tf.matMul(flat as tf.Tensor2D, ops[1].weight as tf.Tensor2D), ops[1].bias)));
    return atOp(2, hidden, tf.add(tf.matMul(hidden as tf.Tensor2D, ops[2].weight as tf.Tensor2D), ops[2].bias)) as tf.Tensor2D;
  };
  return { ops, forward, variables: ops.flatMap((op) => [op.weight, op.bias]) };
}

test('clipped per-example gradient sums equal clipping each example\'s own gradient (dense and convolution)', async () => {
  await initBackend();
  assert.equal(tf.getBackend(), 'wasm');
  const rng = new Rng(7);
  const network = tinyCnn(rng);
  const batch = 6;
  const inputs = tf.tensor2d(Float32Array.from({ length: batch * 25 }, () => rng.uniform()), [batch, 25]);
  const labels = [0, 1, 2, 1, 0, 2];
  const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D;
  for (const clip of [0.05, 1e6]) {
    const ours = clippedGradientSums(network, inputs, targets, clip);
    const expected = network.variables.map((v) => new Float64Array(v.size));
    let clippedCount = 0;
    for (let i = 0; i < batch; i++) {
      const x = tf.slice(inputs, [i, 0], [1, 25]);
      const y = tf.slice(targets, [i, 0], [1, 3]);
      const { grads } = tf.variableGrads(() => tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(network.forward(x, (_l, _in, out) => out))))) as tf.Scalar, network.variables);
      const perVariable = network.variables.map((v) => Float32Array.from(grads[v.name].dataSync()));
      const norm = Math.sqrt(perVariable.reduce((sum, g) => sum + g.reduce((s, value) => s + value * value, 0), 0));
      const factor = Math.min(1, clip / norm);
      if (factor < 1) clippedCount++;
      perVariable.forEach((g, k) => g.forEach((value, j) => (expected[k][j] += factor * value)));
      Object.values(grads).forEach((t) => t.dispose());
    }
    network.variables.forEach((v, k) => {
      const got = ours.sums.get(v.name)!.dataSync();
      assert.equal(got.length, expected[k].length);
      got.forEach((value, j) => assert.ok(Math.abs(value - expected[k][j]) < 1e-4 * (1 + Math.abs(expected[k][j])), `clip ${clip}, ${v.name}[${j}]: ${value} vs ${expected[k][j]}`));
    });
    assert.equal(ours.clippedShare, clippedCount / batch);
    assert.equal(ours.clippedShare, clip < 1 ? 1 : 0);
    ours.sums.forEach((t) => t.dispose());
  }
});
