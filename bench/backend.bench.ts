/**
 * The wasm backend before and after src/backend/wasm-fixes.ts, and the cpu backend, in one run:
 * a transposed matMul (every dense-layer gradient), MLP 784-256-10 training steps, and a CNN
 * training step (which throws without the filter-gradient kernel).
 *
 *   npx tsx bench/backend.bench.ts [--json]
 */

import { initBackend, useBackend, type BackendName } from '../src/backend/setup.ts';
import { tf } from '../src/backend/tf.ts';
import { setWasmFixes } from '../src/backend/wasm-fixes.ts';

const json = process.argv.includes('--json');

function time(repeats: number, body: () => void): number {
  body();
  const started = performance.now();
  for (let r = 0; r < repeats; r++) body();
  return (performance.now() - started) / repeats;
}

function matMulTransposed(a: tf.Tensor, b: tf.Tensor): void {
  // (No tf.tidy around dataSync: tidy walks a returned typed array element by element.)
  const product = tf.matMul(a, b, false, true);
  product.dataSync();
  product.dispose();
}

function mlpStep(optimizer: tf.Optimizer, variables: tf.Variable[], x: tf.Tensor2D, y: tf.Tensor2D): void {
  const [w1, b1, w2, b2] = variables;
  const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Scalar, true, variables);
  loss!.dataSync();
  loss!.dispose();
}

function cnnStep(optimizer: tf.Optimizer, variables: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor2D): void {
  const [k1, w, b] = variables;
  const loss = optimizer.minimize(() => {
    const pooled = tf.maxPool(tf.relu(tf.conv2d(x, k1 as unknown as tf.Tensor4D, 1, 'valid')), 2, 2, 'valid');
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D, w), b)) as tf.Scalar;
  }, true, variables);
  loss!.dataSync();
  loss!.dispose();
}

interface Measured {
  matMulNT: number;
  mlpExamplesPerSecond: number;
  cnnExamplesPerSecond: number | string;
}

async function measure(backend: BackendName, fixes: boolean): Promise<Measured> {
  await useBackend(backend);
  if (backend === 'wasm') setWasmFixes(fixes);
  const repeats = backend === 'cpu' ? 3 : 20;
  const a = tf.randomNormal([128, 784], 0, 1, 'float32', 1);
  const b = tf.randomNormal([256, 784], 0, 1, 'float32', 2);
  const result: Measured = { matMulNT: time(repeats, () => matMulTransposed(a, b)), mlpExamplesPerSecond: 0, cnnExamplesPerSecond: 0 };
  const x = tf.randomNormal([128, 784], 0, 1, 'float32', 3) as tf.Tensor2D;
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32'), 10).toFloat() as tf.Tensor2D;
  const mlp = [tf.variable(tf.randomNormal([784, 256], 0, 0.05, 'float32', 4)), tf.variable(tf.zeros([256])), tf.variable(tf.randomNormal([256, 10], 0, 0.05, 'float32', 5)), tf.variable(tf.zeros([10]))];
  const adam = tf.train.adam(0.001);
  const stepMs = time(repeats, () => mlpStep(adam, mlp, x, y));
  result.mlpExamplesPerSecond = (128 / stepMs) * 1000;
  const images = tf.randomNormal([64, 28, 28, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), 'int32'), 10).toFloat() as tf.Tensor2D;
  const cnn = [tf.variable(tf.randomNormal([3, 3, 1, 8], 0, 0.1, 'float32', 7)), tf.variable(tf.randomNormal([13 * 13 * 8, 10], 0, 0.05, 'float32', 8)), tf.variable(tf.zeros([10]))];
  // Optimizers keep their moments by position in the variable list: one optimizer per network.
  const cnnAdam = tf.train.adam(0.001);
  try {
    const cnnMs = time(backend === 'cpu' ? 2 : 10, () => cnnStep(cnnAdam, cnn, images, labels));
    result.cnnExamplesPerSecond = (64 / cnnMs) * 1000;
  } catch (error) {
    result.cnnExamplesPerSecond = `throws: ${(error as Error).message.slice(0, 60)}`;
  }
  [a, b, x, y, images, labels, ...mlp, ...cnn].forEach((t) => t.dispose());
  adam.dispose();
  cnnAdam.dispose();
  return result;
}

await initBackend('wasm');
const rows = [
  { backend: 'wasm, tfjs 4.22 as shipped', ...(await measure('wasm', false)) },
  { backend: 'wasm + threatlab fixes', ...(await measure('wasm', true)) },
  { backend: 'cpu (pure JS)', ...(await measure('cpu', true)) },
];
await useBackend('wasm');
setWasmFixes(true);

if (json) {
  process.stdout.write(`${JSON.stringify({ rows }, null, 2)}\n`);
} else {
  const f = (v: number | string, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : v);
  process.stdout.write(
    [
      '| backend | matMul 128×784 · (256×784)ᵀ, ms | MLP 784-256-10 Adam step, examples/s | CNN conv3×3(8)+pool+dense step, examples/s |',
      '|---|---|---|---|',
      ...rows.map((r) => `| ${r.backend} | ${f(r.matMulNT, 2)} | ${f(r.mlpExamplesPerSecond, 0)} | ${f(r.cnnExamplesPerSecond, 0)} |`),
    ].join('\n') + '\n',
  );
}
