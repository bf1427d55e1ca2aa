import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeClassification } from '../data/datasets/synthetic.ts';
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
