import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tf } from './tf.ts';
import { initBackend, useBackend, type BackendName } from './setup.ts';

/** Runs `compute` on a backend with fixed inputs and returns its values. */
async function on(backend: BackendName, compute: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await useBackend(backend);
  const result = tf.tidy(compute);
  const list = Array.isArray(result) ? result : [result];
  const values = list.map((t) => Array.from(t.dataSync()));
  list.forEach((t) => t.dispose());
  return values;
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function assertClose(actual: number[][], expected: number[][], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((values, k) => {
    assert.equal(values.length, expected[k].length);
    values.forEach((value, i) => assert.ok(Math.abs(value - expected[k][i]) <= tolerance * (1 + Math.abs(expected[k][i])), `entry ${k}/${i}: ${value} vs ${expected[k][i]}`));
  });
}

test('the wasm backend starts (no silent fallback to cpu)', async () => {
  const status = await initBackend('wasm');
  assert.equal(status.backend, 'wasm', status.fallbackReason);
  assert.equal(tf.getBackend(), 'wasm');
});

test('transposed matMul on wasm equals cpu (the fast path keeps the result)', async () => {
  const compute = () => {
    const a = seeded([37, 53], 1);
    const b = seeded([29, 53], 2);
    const c = seeded([37, 29], 3);
    const batched = seeded([3, 7, 5], 4);
    return [tf.matMul(a, b, false, true), tf.matMul(a, c, true, false), tf.matMul(b, c, true, true), tf.matMul(batched, batched, true, false)];
  };
  assertClose(await on('wasm', compute), await on('cpu', compute), 1e-4);
});

test('dense-layer gradients on wasm equal cpu', async () => {
  const compute = () => {
    const x = seeded([16, 12], 5);
    const w = seeded([12, 6], 6);
    const grads = tf.grads((input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.tanh(tf.matMul(input, weights))))([x, w]);
    return grads;
  };
  assertClose(await on('wasm', compute), await on('cpu', compute), 1e-4);
});

for (const [pad, stride] of [['valid', 1], ['same', 1], ['same', 2], ['valid', 2]] as const) {
  test(`conv2d filter gradient on wasm equals cpu (pad ${pad}, stride ${stride})`, async () => {
    const compute = () => {
      const x = seeded([3, 9, 8, 2], 7);
      const filter = seeded([3, 3, 2, 4], 8);
      return tf.grads((input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, stride, pad))))([x, filter]);
    };
    assertClose(await on('wasm', compute), await on('cpu', compute), 1e-3);
  });
}

test('maxPool gradient on wasm equals cpu where window maxima are ≤ 0', async () => {
  const compute = () => {
    const x = tf.tensor4d([-3, -1, -2, -4, -1.5, -2, 3, 4, -5, -6, -7, -8, -0.5, -1, 0, -1], [1, 4, 4, 1]);
    const y = seeded([2, 6, 6, 3], 9);
    return [
      tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x),
      tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 3, 2, 'same'), tf.range(1, 28).reshape([3, 3, 3]))))(y),
    ];
  };
  const cpu = await on('cpu', compute);
  assert.deepEqual(cpu[0], [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0]);
  assertClose(await on('wasm', compute), cpu, 1e-5);
});

test('after the wasm backend starts, an uncaught error is reported from where it was thrown, not rethrown from the backend\'s minified glue', () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-uncaught-'));
  try {
    const script = join(folder, 'crash.mts');
    const setup = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'setup.ts')).href;
    writeFileSync(script, `import { initBackend } from ${JSON.stringify(setup)};\nawait initBackend('wasm');\nsetTimeout(() => { throw new Error('thrown by the caller'); }, 1);\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    assert.notEqual(child.status, 0);
    assert.match(child.stderr, /thrown by the caller/);
    assert.doesNotMatch(child.stderr, /WasmBackendModule|tfjs-backend-wasm\.js/);
    assert.ok(child.stderr.length < 4000, `stderr of ${child.stderr.length} characters`);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
