/**
 * DP-SGD for CNNs on the native engine (Abadi et al., CCS 2016): the private gradient graph's
 * clipped sums, summed loss and clipped count are the tfjs engine's (clipped-gradients.ts: each
 * row's kernel gradient from its im2col patches) on the same batch and weights — an odd image size
 * (the pooling drops a row and a column), two input channels, ties in the pooling windows — and a
 * run on a user's digits records the tfjs engine's privacy, repeats by seed and learns as well.
 */

import { test } from 'node:test';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../../../backend/setup.ts';
import type { ClassificationDataset } from '../../../data/dataset.ts';
import { loadUserCsv } from '../../../data/user-data.ts';
import { Rng } from '../../../random.ts';
import { CnnTrainer, tfjsCnnNetwork } from '../cnn.ts';
import { checkClippedSums, checkNativeDpSgd } from '../../../testing/dp-engines.ts';
import { cnnPrivateGradientGraph } from './cnn-private-graph.ts';
import { cnnParameterShapes } from './cnn-step-graph.ts';
import { openDirectSession } from './direct-session.ts';

test('CNN private gradient graph: the clipped sums, loss and clipped rows of the tfjs engine\'s DP-SGD on the same batch', async () => {
  await initBackend();
  const rng = new Rng(5);
  // 11 × 11 × 2: block 1 convolves to 9 × 9 and pools to 4 × 4 (its last row and column dropped), block 2 to 2 × 2 and 1 × 1.
  const spec = { image: { height: 11, width: 11, channels: 2 }, filters: [3, 4], hidden: 5, classes: 3, l2: 0, rows: 'float' as const };
  const shapes = cnnParameterShapes(spec);
  const parameters = shapes.map(({ name, dims }) => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    // Positive first-block biases: a blank patch gives four equal positive values in its window (a tie the first place wins).
    if (name === 'c0') rng.fillBetween(values, 0.1, 0.3);
    else rng.fillBetween(values, -0.8, 0.8);
    return values;
  });
  const [rows, clip] = [16, 4];
  const width = 11 * 11 * 2;
  const data = new Float32Array(rows * width);
  rng.fillBetween(data, 0, 1);
  // The top half of every other image blank.
  for (let i = 0; i < rows; i += 2) data.fill(0, i * width, i * width + 5 * 11 * 2);
  const targets = new Float32Array(rows * spec.classes);
  for (let i = 0; i < rows; i++) targets[i * spec.classes + rng.int(spec.classes)] = 1;

  const session = await openDirectSession(cnnPrivateGradientGraph(spec));
  const feeds: Record<string, ort.Tensor> = {
    data: new ort.Tensor('float32', data, [rows, width]),
    targets: new ort.Tensor('float32', targets, [rows, spec.classes]),
    indices: new ort.Tensor('int32', Int32Array.from({ length: rows }, (_, i) => i), [rows]),
    clip: new ort.Tensor('float32', Float32Array.of(clip), []),
  };
  shapes.forEach(({ name, dims }, k) => (feeds[name] = new ort.Tensor('float32', parameters[k], dims)));
  const native = await session.run(feeds);
  await session.release();

  const network = tfjsCnnNetwork(spec, parameters);
  try {
    checkClippedSums(native, network, network.variables, shapes.map(({ name }) => name), { data, targets, rows }, clip);
  } finally {
    network.variables.forEach((v) => v.dispose());
  }
});

const fixtures = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sklearn');
const load = (file: string) => ({ ...(loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset), image: { width: 8, height: 8, channels: 1 } });

test('DP-SGD CNN on the native engine: the tfjs engine\'s privacy record, the same model on the same seed, and a user\'s digits learned as well', async () => {
  const [members, others] = [load('digits-members.csv'), load('digits-non-members.csv')];
  const params = { filters: [8], hidden: 32, epochs: 15, batchSize: 32, learningRate: 0.01, dpEpsilon: 4, dpDelta: 1e-4 };
  await checkNativeDpSgd(() => new CnnTrainer(params).fit(members, new Rng(42)), others);
});
