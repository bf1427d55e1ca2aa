/**
 * DP-SGD on the native engine (Abadi et al., CCS 2016): the private gradient graph's clipped sums,
 * summed loss and clipped count are the tfjs engine's (defenses/dp-sgd/clipped-gradients.ts) on
 * the same batch and weights; a run records the tfjs engine's privacy (same sampling, noise scale,
 * accountant), is reproducible by seed, and learns the digits of a user's CSV.
 */

import { test } from 'node:test';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { tf } from '../../../backend/tf.ts';
import { initBackend } from '../../../backend/setup.ts';
import type { ClassificationDataset } from '../../../data/dataset.ts';
import { loadUserCsv } from '../../../data/user-data.ts';
import { Rng } from '../../../random.ts';
import { MlpTrainer } from '../mlp.ts';
import { checkClippedSums, checkNativeDpSgd } from '../../../testing/dp-engines.ts';
import { parameterShapes, privateGradientGraph } from './dense-step-graph.ts';
import { openDirectSession } from './direct-session.ts';

for (const hidden of ['relu', 'tanh'] as const) {
  test(`private gradient graph (${hidden}): the clipped sums, loss and clipped rows of the tfjs engine's DP-SGD on the same batch`, async () => {
    await initBackend();
    const rng = new Rng(21);
    const sizes = [6, 8, 3];
    const shapes = parameterShapes(sizes);
    const parameters = shapes.map(({ dims }) => {
      const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
      rng.fillBetween(values, -1, 1);
      return values;
    });
    const [rows, classes, clip] = [20, 3, 1.5];
    const data = new Float32Array(rows * sizes[0]);
    rng.fillBetween(data, -2, 2);
    const targets = new Float32Array(rows * classes);
    for (let i = 0; i < rows; i++) targets[i * classes + rng.int(classes)] = 1;

    const session = await openDirectSession(privateGradientGraph({ sizes, hidden, l2: 0, rows: 'float' }));
    const feeds: Record<string, ort.Tensor> = {
      data: new ort.Tensor('float32', data, [rows, sizes[0]]),
      targets: new ort.Tensor('float32', targets, [rows, classes]),
      indices: new ort.Tensor('int32', Int32Array.from({ length: rows }, (_, i) => i), [rows]),
      clip: new ort.Tensor('float32', Float32Array.of(clip), []),
    };
    shapes.forEach(({ name, dims }, k) => (feeds[name] = new ort.Tensor('float32', parameters[k], dims)));
    const native = await session.run(feeds);

    const variables = parameters.map((values, k) => tf.variable(tf.tensor(values, shapes[k].dims)));
    try {
      const [w0, w1, b0, b1] = variables;
      const activate = (z: tf.Tensor) => (hidden === 'relu' ? tf.relu(z) : tf.tanh(z));
      const network = {
        ops: [{ kind: 'dense' as const, weight: w0, bias: b0 }, { kind: 'dense' as const, weight: w1, bias: b1 }],
        forward: (input: tf.Tensor2D, atOp: (l: number, opInput: tf.Tensor, opOutput: tf.Tensor) => tf.Tensor) => {
          const h = activate(atOp(0, input, tf.add(tf.matMul(input, w0 as tf.Tensor2D), b0))) as tf.Tensor2D;
          return atOp(1, h, tf.add(tf.matMul(h, w1 as tf.Tensor2D), b1)) as tf.Tensor2D;
        },
      };
      checkClippedSums(native, network, variables, shapes.map(({ name }) => name), { data, targets, rows }, clip);
    } finally {
      variables.forEach((v) => v.dispose());
    }
  });
}

const fixtures = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sklearn');
const load = (file: string) => loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;

test('DP-SGD on the native engine: the tfjs engine\'s privacy record, the same model on the same seed, and the digits learned as well', async () => {
  const [members, others] = [load('digits-members.csv'), load('digits-non-members.csv')];
  const params = { hidden: [32], epochs: 20, batchSize: 32, learningRate: 0.01, standardize: false, dpEpsilon: 4, dpDelta: 1e-4 };
  await checkNativeDpSgd(() => new MlpTrainer(params).fit(members, new Rng(42)), others);
});
