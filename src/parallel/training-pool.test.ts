import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { makeClassification } from '../data/datasets/synthetic.ts';
import type { Classifier } from '../models/types.ts';
import { stopWorker } from './native-guard.ts';
import { DESCRIPTIONS_HELD, TrainingPool } from './training-pool.ts';
import { join } from 'node:path';
import { loadModelFile } from '../models/registry.ts';
import { labelledRowsForModel } from '../cli/labelled-rows.ts';
import { silentProgress } from '../progress.ts';
import { rowSelection } from './training-set.ts';
import { classificationDataset, subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { createMatrix } from '../math/matrix.ts';
import { uniformNumericSchema } from '../data/schema.ts';
import { Rng } from '../random.ts';

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

const assignedOf = (training: TrainingPool) => [...(training as unknown as { assigned: Map<Worker, number[]> }).assigned.values()].map((ids) => ids.length);
const slowSpec = { kind: 'mlp', params: { hidden: '16', epochs: 60, batchSize: 16 } };
const quickSpec = { kind: 'logistic', params: {} };
const inThread = new TrainingPool(0);

test('a busy worker is sent the next fit ahead (two at most); every fit comes back as it trains in this thread', async () => {
  const training = new TrainingPool(1);
  try {
    const sets = [1, 2, 3].map((seed) => makeClassification(200, { classes: 2, features: 8, seed }));
    const fits = sets.map((data, k) => training.train(quickSpec, data, k));
    assert.deepEqual(assignedOf(training), [2], 'one trained, one sent ahead');
    assert.equal((training as unknown as { queue: unknown[] }).queue.length, 1, 'the third waits in the queue');
    const models = await Promise.all(fits);
    const expected = await Promise.all(sets.map((data, k) => inThread.train(quickSpec, data, k)));
    assert.deepEqual(models.map((model) => model.toJSON()), expected.map((model) => model.toJSON()));
    assert.deepEqual(assignedOf(training), [0]);
  } finally {
    await training.close();
  }
});

test('a training set over the send-ahead size waits in the queue instead', async () => {
  const training = new TrainingPool(1, { sendAheadBytes: 1000 });
  try {
    const data = makeClassification(200, { classes: 2, features: 8, seed: 7 }); // 12.8 KB of rows
    const fits = [1, 2, 3].map((seed) => training.train(quickSpec, data, seed));
    assert.deepEqual(assignedOf(training), [1], 'only the fit it trains');
    assert.equal((training as unknown as { queue: unknown[] }).queue.length, 2);
    await Promise.all(fits);
  } finally {
    await training.close();
  }
});

test('a whole data set is gathered here the first time; trained again, it goes as a selection of all its rows over one shared copy, gathered by the worker — the same models as in this thread', async () => {
  const training = new TrainingPool(1);
  try {
    const data = makeClassification(250, { classes: 2, features: 8, seed: 21 });
    const sent: string[] = [];
    await training.train(quickSpec, makeClassification(40, { classes: 2, features: 8, seed: 1 }), 0); // starts the worker
    const [worker] = workersOf(training);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: { data?: object }, transfer?: Parameters<Worker['postMessage']>[1]) => {
      if (message.data) sent.push('parts' in message.data ? 'selection' : 'rows');
      post(message, transfer);
    };
    const models = [];
    for (const seed of [5, 6, 7]) models.push(await training.train(quickSpec, data, seed));
    assert.deepEqual(sent, ['rows', 'selection', 'selection']);
    for (const [k, seed] of [5, 6, 7].entries()) await sameAsInThread(models[k], data, seed);
  } finally {
    await training.close();
  }
});

/** Runs `body` on a new one-worker pool and a small data set (`seed`), and closes the pool. */
async function onOneWorker(seed: number, body: (training: TrainingPool, data: ClassificationDataset) => Promise<void>): Promise<void> {
  const training = new TrainingPool(1);
  try {
    await body(training, makeClassification(300, { classes: 2, features: 8, seed }));
  } finally {
    await training.close();
  }
}

const failsWith = (code: string, message = /./) => (error: Error & { code?: string }) => error.code === code && message.test(error.message);
const sameAsInThread = async (model: Classifier, data: ClassificationDataset, seed: number) => assert.deepEqual(model.toJSON(), (await inThread.train(quickSpec, data, seed)).toJSON());

test('a fit sent ahead and cancelled fails at once; its worker finishes the current fit, skips it and trains the next (the pool counts the two fits as its work, by the worker\'s clock)', () =>
  onOneWorker(4, async (training, data) => {
    const started = performance.now();
    const stop = new AbortController();
    const first = training.fit(slowSpec, data, 1);
    const ahead = training.fit(quickSpec, data, 2, undefined, stop.signal);
    const third = training.train(quickSpec, data, 3);
    const [worker] = workersOf(training);
    stop.abort();
    await assert.rejects(ahead, failsWith('cancelled'));
    const [fitted, model] = await Promise.all([first, third]);
    assert.ok(fitted.model, 'the fit it trained came back');
    await sameAsInThread(model, data, 3);
    assert.deepEqual(workersOf(training), [worker], 'the same worker, not stopped');
    assert.deepEqual(assignedOf(training), [0], 'the skipped fit answered too (its rows handed back)');
    const work = training.work();
    assert.equal(work.fits, 2, 'the two fits trained; the skipped one is no work');
    assert.ok(work.seconds > 0 && work.seconds <= (performance.now() - started) / 1000, `${work.seconds} s of work within the test's wall time`);
  }));

test('cancelling the fit a worker trains stops that worker; the fit sent ahead to it goes back to the queue and trains on a new one', () =>
  onOneWorker(5, async (training, data) => {
    const stop = new AbortController();
    const first = training.fit(slowSpec, data, 1, undefined, stop.signal);
    const ahead = training.train(quickSpec, data, 2);
    const [worker] = workersOf(training);
    stop.abort();
    await assert.rejects(first, failsWith('cancelled'));
    await sameAsInThread(await ahead, data, 2);
    assert.equal(workersOf(training).length, 1);
    assert.notEqual(workersOf(training)[0], worker);
  }));

test('a worker that dies while it trains fails that fit; the fit sent ahead to it trains on the next worker', () =>
  onOneWorker(6, async (training, data) => {
    const first = training.fit(slowSpec, data, 1);
    const ahead = training.train(quickSpec, data, 2);
    const [worker] = workersOf(training);
    await stopWorker(worker); // not through the pool: to the pool, it ended on its own
    await assert.rejects(first, failsWith('internal', /crashed/));
    await sameAsInThread(await ahead, data, 2);
    assert.notEqual(workersOf(training)[0], worker);
  }));

test('a started pool warms its threads (backend, onnxruntime) first; a fit sent at once waits for that and trains the model a pool started on demand trains', async () => {
  const data = makeClassification(200, { classes: 2, features: 8, seed: 9 });
  const spec = { kind: 'mlp', params: { hidden: '8', epochs: 5, validationFraction: 0 } };
  const started = new TrainingPool(1).start();
  const onDemand = new TrainingPool(1);
  try {
    // Not awaiting ready(): the fit reaches the thread while it starts onnxruntime.
    const [warm, cold] = await Promise.all([started.train(spec, data, 4), onDemand.train(spec, data, 4)]);
    assert.deepEqual(warm.toJSON(), cold.toJSON());
  } finally {
    await Promise.all([started.close(), onDemand.close()]);
  }
});

test('rows of a sparse data set, named again and again (a property or shadow pool\'s draws): the worker reads them where they lie, from the second fit on from the entries it keeps of the data set — the same logistic models and trees as fitted on the rows gathered in this thread', async () => {
  const treeSpec = { kind: 'tree', params: { maxDepth: 4 } };
  const rng = new Rng(8);
  const rows = 400;
  const features = Float64Array.from({ length: rows * 12 }, (_, k) => (k % 12 < 8 ? (k % 12 === rng.int(8) ? 1 : 0) : rng.uniform() < 0.1 ? rng.normal() : 0));
  const labels = Int32Array.from({ length: rows }, (_, i) => (features[i * 12] + features[i * 12 + 3] + features[i * 12 + 9] > 0.5 ? 1 : 0));
  const source = classificationDataset({ name: 'sparse', features: createMatrix(rows, 12, features), labels, classes: ['no', 'yes'], schema: uniformNumericSchema(12, "x", -5, 5), targetName: 'y' });
  const training = new TrainingPool(1);
  try {
    for (let fit = 0; fit < 4; fit++) {
      const picked = Int32Array.from({ length: 150 }, () => rng.int(rows));
      const model = await training.train(quickSpec, rowSelection({ from: source, rows: picked }), fit);
      await sameAsInThread(model, subsetRows(source, picked), fit);
      const tree = await training.train(treeSpec, rowSelection({ from: source, rows: picked }), fit);
      assert.deepEqual(tree.toJSON(), (await inThread.train(treeSpec, subsetRows(source, picked), fit)).toJSON(), `tree ${fit}`);
    }
  } finally {
    await training.close();
  }
});

test("a scikit-learn model's shadows on its user's CSV rows (the Adult softmax fixture, adult-population.csv): softmax and tree fits of rows named again and again in a worker — read where they lie, then from its kept entries — equal this thread's fits of the rows gathered", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const target = loadModelFile(join(fixtures, 'adult-race-softmax.json')) as Classifier;
  const population = labelledRowsForModel(join(fixtures, 'adult-population.csv'), target, 'race', silentProgress);
  const rng = new Rng(12);
  const training = new TrainingPool(1);
  try {
    for (let fit = 0; fit < 3; fit++) {
      const picked = Int32Array.from({ length: 600 }, () => rng.int(population.features.rows));
      for (const spec of [{ kind: 'softmax', params: {} }, { kind: 'tree', params: { maxDepth: 6 } }]) {
        const model = await training.train(spec, rowSelection({ from: population, rows: picked }), fit);
        assert.deepEqual(model.toJSON(), (await inThread.train(spec, subsetRows(population, picked), fit)).toJSON(), `${spec.kind} ${fit}`);
      }
    }
  } finally {
    await training.close();
  }
});

test("a training set's description (name, classes, schema) goes to a worker once, then by key; past the descriptions a worker keeps the least recently named is forgotten and sent again — every model as this thread fits it, schema and classes its set's", async () => {
  const sets = Array.from({ length: DESCRIPTIONS_HELD + 2 }, (_, i) => {
    const made = makeClassification(60, { classes: 2, features: 8, seed: 100 + i });
    return classificationDataset({ ...made, name: `set ${i}`, classes: [`no ${i}`, `yes ${i}`], schema: uniformNumericSchema(8, `x${i}_`, -10 - i, 10 + i) });
  });
  const training = new TrainingPool(1);
  try {
    const sent: { like: boolean; forget?: number; key: number }[] = [];
    await training.train(quickSpec, makeClassification(40, { classes: 2, features: 8, seed: 1 }), 0); // starts the worker
    const [worker] = workersOf(training);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: { data?: { likeKey?: number; like?: object; forget?: number } }, transfer?: Parameters<Worker['postMessage']>[1]) => {
      if (message.data?.likeKey !== undefined) sent.push({ like: message.data.like !== undefined, forget: message.data.forget, key: message.data.likeKey });
      post(message, transfer);
    };
    const order = [0, 1, 0, ...sets.map((_, i) => i).slice(2), 1, 0, sets.length - 1];
    for (const [fit, i] of order.entries()) {
      const picked = Int32Array.from({ length: 30 }, (_, k) => (k * 7 + fit) % 60);
      const model = await training.train(quickSpec, rowSelection({ from: sets[i], rows: picked }), fit);
      assert.deepEqual(model.toJSON(), (await inThread.train(quickSpec, subsetRows(sets[i], picked), fit)).toJSON(), `fit ${fit} on set ${i}`);
    }
    assert.deepEqual(sent.slice(0, 3).map((message) => message.like), [true, true, false], 'set 0 named by key the second time');
    const forgets = sent.filter((message) => message.forget !== undefined);
    // Sets 0, 1, 0, then 2 … 33: set 32 (the 33rd held) drops the least recently named, set 1 (set 0 was named after it), and set 33 drops set 0; set 1 sent again drops set 2, and set 0 set 3.
    const keyOf = (set: number) => sent[order.indexOf(set)].key;
    assert.deepEqual(forgets.map((message) => message.forget), [keyOf(1), keyOf(0), keyOf(2), keyOf(3)]);
    assert.deepEqual(sent.slice(-3).map((message) => message.like), [true, true, false], 'sets 1 and 0 sent again whole, the last set by key');
  } finally {
    await training.close();
  }
});
