import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { concatRows, originOfRows, rowOrigin, subsetRows } from '../data/dataset.ts';
import { makeClassification } from '../data/datasets/synthetic.ts';
import { datasetParts, gatherTrainingRows, rowSelection, trainingDataset, trainingShape } from './training-set.ts';
import { CodedDataset, encodeDataset } from '../cluster/dataset-blob.ts';
import { TrainingPool } from './training-pool.ts';

const a = makeClassification(300, { classes: 3, features: 12, seed: 5 });
const b = makeClassification(200, { classes: 3, features: 12, seed: 6 });
const pool = new TrainingPool(1);
after(() => pool.close());

test('a row selection gathers the rows subsetRows and concatRows would hold, in order, with their labels; empty parts drop out; mismatched parts are refused', () => {
  const selection = rowSelection({ from: a, rows: [5, 0, 299, 5] }, { from: b, rows: [] }, { from: b, rows: [199, 3] });
  assert.equal(selection.parts.length, 2);
  assert.deepEqual(trainingShape(selection), { rows: 6, cols: 12 });
  const expected = concatRows(subsetRows(a, [5, 0, 299, 5]), subsetRows(b, [199, 3]));
  const made = trainingDataset(selection);
  assert.deepEqual(made.features, expected.features);
  assert.deepEqual(made.labels, expected.labels);
  const into = new Float64Array(6 * 12);
  const { labels, like } = gatherTrainingRows(selection, into);
  assert.deepEqual(into, expected.features.data);
  assert.deepEqual(labels, expected.labels);
  assert.equal(like, a);
  assert.throws(() => gatherTrainingRows(selection, new Float64Array(5)), /a buffer of 5 values/);
  // What a cluster job names: the same rows of the same sources as the data set's own origin (rows of a subset traced back to the whole).
  const half = subsetRows(a, Array.from({ length: 150 }, (_, i) => 2 * i));
  const traced = [{ from: half, rows: [3, 1] }, { from: a, rows: [7] }, { from: b, rows: [0, 2] }];
  assert.deepEqual(originOfRows(traced), rowOrigin(concatRows(concatRows(subsetRows(half, [3, 1]), subsetRows(a, [7])), subsetRows(b, [0, 2]))));
  assert.deepEqual(originOfRows(traced)!.parts.map((part) => [part.source === a ? 'a' : 'b', Array.from(part.indices)]), [['a', [6, 2, 7]], ['b', [0, 2]]]);
  assert.throws(() => rowSelection({ from: a, rows: [1] }, { from: makeClassification(50, { classes: 3, features: 13, seed: 1 }), rows: [1] }), /parts differ/);
});

test('a model trained on a row selection by a worker equals one trained on the same rows made into a data set, in this thread', async () => {
  const selection = rowSelection({ from: a, rows: Array.from({ length: 150 }, (_, i) => 2 * i) }, { from: b, rows: Array.from({ length: 100 }, (_, i) => i) });
  const spec = { kind: 'mlp', params: { hidden: '16', epochs: 3, validationFraction: 0 } };
  const onWorker = await pool.train(spec, selection, 7);
  const inThread = await new TrainingPool(0).train(spec, trainingDataset(selection), 7);
  assert.deepEqual(onWorker.toJSON(), inThread.toJSON());
});

test("a part held coded (a cluster worker's fetched data set) gathers, makes a data set and trains as the float64 rows it came from", async () => {
  const coded = new CodedDataset(encodeDataset(a), 'a');
  const selection = rowSelection({ from: b, rows: [4, 2] }, { from: coded, rows: [5, 0, 299, 5] });
  const plain = rowSelection({ from: b, rows: [4, 2] }, { from: a, rows: [5, 0, 299, 5] });
  assert.deepEqual(trainingShape(selection), { rows: 6, cols: 12 });
  const [into, expected] = [new Float64Array(72), new Float64Array(72)];
  const gathered = gatherTrainingRows(selection, into);
  assert.deepEqual(gathered.labels, gatherTrainingRows(plain, expected).labels);
  assert.deepEqual(into, expected);
  assert.equal(gathered.like.name, b.name);
  const made = trainingDataset(rowSelection({ from: coded, rows: [9, 1] }));
  assert.deepEqual(made.features, subsetRows(a, [9, 1]).features);
  assert.deepEqual(made.labels, subsetRows(a, [9, 1]).labels);
  assert.throws(() => datasetParts(selection), { code: 'internal' });
  const spec = { kind: 'softmax', params: {} };
  const [there, here] = await Promise.all([pool.train(spec, selection, 3), pool.train(spec, plain, 3)]);
  assert.deepEqual(there.toJSON(), here.toJSON());
});
