import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { makeClassification } from '../data/datasets/synthetic.ts';
import { TrainingPool } from './training-pool.ts';

const pool = new TrainingPool(1);
after(() => pool.close());
const workersOf = (training: TrainingPool) => (training as unknown as { workers: Worker[] }).workers;

test('a worker that dies on its own leaves the pool: the next fit starts another and trains (it was handed to the dead one and never answered)', async () => {
  const data = makeClassification(300, { classes: 2, features: 8, seed: 3 });
  const spec = { kind: 'logistic', params: {} };
  const first = await pool.train(spec, data, 1);
  const [dead] = workersOf(pool);
  const exited = once(dead, 'exit');
  await dead.terminate(); // idle, outside any native call
  await exited;
  const again = await pool.train(spec, data, 1);
  assert.deepEqual(again.toJSON(), first.toJSON());
  assert.equal(workersOf(pool).length, 1);
  assert.notEqual(workersOf(pool)[0], dead);
});
