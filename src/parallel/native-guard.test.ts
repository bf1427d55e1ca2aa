import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { makeClassification } from '../data/datasets/synthetic.ts';
import { startWorker, stopWorker, untilStarted } from './native-guard.ts';
import { TrainingPool } from './training-pool.ts';

// Terminating a worker inside an onnxruntime call aborts the process ("terminate called after
// throwing an instance of 'Napi::Error'"): were the guard missing, this file's process would die
// at one of these stops and the test would fail with SIGABRT (it does, checked by bypassing it).
const pool = new TrainingPool(1);
after(() => pool.close());

test('trainings on the native engine stopped at any moment (4 cancels, 5 to 50 ms into the training): each fails with cancelled, the process lives, the pool trains on', async () => {
  const data = makeClassification(2000, { classes: 3, features: 60, seed: 4 });
  const params = { hidden: '256,128', batchSize: 64, validationFraction: 0, patience: 0 };
  for (let k = 0; k < 4; k++) {
    // A warm worker (the one that replaced the last stopped one), whose sessions for this network exist.
    await pool.trainAndPredict({ kind: 'mlp', params: { ...params, epochs: 1 } }, data, k, [data]);
    const stop = new AbortController();
    const fit = pool.fit({ kind: 'mlp', params: { ...params, epochs: 500 } }, data, k, undefined, stop.signal);
    setTimeout(() => stop.abort(), 5 + 15 * k);
    await assert.rejects(fit, { code: 'cancelled' });
  }
  const short = await pool.trainAndPredict({ kind: 'mlp', params: { ...params, epochs: 2 } }, data, 1, [data]);
  assert.equal(short[0].rows, 2000);
});

// Terminated while it loads onnxruntime-node's binding, a worker aborts the process too (a loop
// terminating workers 60–130 ms after their start did, in two runs of three): a stop waits for the
// worker's start.
test('a stop asked for while a worker starts (before it has loaded onnxruntime-node) waits until it has started', async () => {
  const worker = startWorker(new URL('../testing/loading-worker.mjs', import.meta.url));
  assert.equal((await once(worker, 'message'))[0], 'starting');
  let started = false;
  const starting = untilStarted(worker).then(() => (started = true));
  let stopped = false;
  const stop = stopWorker(worker).then((code) => {
    stopped = true;
    return code;
  });
  await delay(300);
  assert.equal(started, false, 'it has not said it started');
  assert.equal(stopped, false, 'the worker has not started: the stop waits');
  worker.postMessage('go on');
  await starting;
  assert.equal(await stop, 1, 'terminated once started');
});

test('a pool closed while its workers still load their modules: the fits fail with cancelled, the process lives; a pool that trains nothing starts no worker unless asked to start', async () => {
  const fresh = new TrainingPool(2);
  const data = makeClassification(200, { classes: 2, features: 10, seed: 1 });
  const outcomes = [1, 2, 3].map((seed) => fresh.fit({ kind: 'logistic', params: {} }, data, seed).then(() => 'trained', (error: { code?: string }) => error.code));
  await fresh.close();
  assert.deepEqual(await Promise.all(outcomes), ['cancelled', 'cancelled', 'cancelled']);
  const idle = new TrainingPool(2);
  await idle.close();
  assert.equal((idle as unknown as { workers: unknown[] }).workers.length, 0);
  // Started at once (a command that will train), closed before its workers have loaded.
  const starting = new TrainingPool(2).start();
  assert.equal((starting as unknown as { workers: unknown[] }).workers.length, 2);
  await starting.close();
  const ready = new TrainingPool(1).start();
  await ready.ready();
  await ready.close();
});
