import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { Rng } from '../random.ts';
import { classCounts, classificationDataset, regressionDataset, subsetRows } from './dataset.ts';
import { uniformNumericSchema } from './schema.ts';
import { splitIndices, trainTestSplit } from './split.ts';

function toy(perClass: number[]) {
  const labels = Int32Array.from(perClass.flatMap((count, c) => new Array(count).fill(c)));
  const features = createMatrix(labels.length, 1, Float64Array.from(labels, (_, i) => i));
  return classificationDataset({ name: 'toy', features, schema: uniformNumericSchema(1, 'x', 0, labels.length), labels, classes: perClass.map((_, c) => `c${c}`), targetName: 'y' });
}

test('a stratified split takes round(n × fraction) of every class', () => {
  const data = toy(new Array(40).fill(10));
  const { train, test: held } = trainTestSplit(data, { testFraction: 0.3, stratify: true, rng: new Rng(1) });
  assert.ok(classCounts(held).every((count) => count === 3));
  assert.ok(classCounts(train).every((count) => count === 7));
});

test('splits are seeded, disjoint and cover every row', () => {
  const data = toy([60, 40]);
  const a = splitIndices(data, { testFraction: 0.25, rng: new Rng(9) });
  const b = splitIndices(data, { testFraction: 0.25, rng: new Rng(9) });
  const c = splitIndices(data, { testFraction: 0.25, rng: new Rng(10) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.test.length, 25);
  const all = [...a.train, ...a.test].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
});

test('subsets keep features and labels together', () => {
  const data = toy([2, 2]);
  const part = subsetRows(data, [3, 0]);
  assert.deepEqual(Array.from(part.features.data), [3, 0]);
  assert.deepEqual(Array.from(part.labels), [1, 0]);
});

test('a run of consecutive rows in order is a view of the data set (a fixed split\'s parts: no copy); any other choice of rows a copy', () => {
  const data = toy([3, 3, 4]);
  const middle = subsetRows(data, [2, 3, 4, 5, 6]);
  assert.equal(middle.features.data.buffer, data.features.data.buffer, 'shares the rows');
  assert.deepEqual(Array.from(middle.features.data), [2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(middle.labels), [0, 1, 1, 1, 2]);
  assert.equal(middle.features.rows, 5);
  // The last row included, and a subset of a subset.
  const tail = subsetRows(middle, [3, 4]);
  assert.deepEqual(Array.from(tail.features.data), [5, 6]);
  assert.equal(tail.features.data.buffer, data.features.data.buffer);
  for (const rows of [[2, 4, 5], [3, 2], [8, 9, 10], [1.5, 2.5]]) {
    if (rows.some((row) => !Number.isInteger(row) || row >= 10)) assert.throws(() => subsetRows(data, rows), (error: unknown) => hasCode(error, 'validation'), `rows ${rows}: no such row`);
    else assert.notEqual(subsetRows(data, rows).features.data.buffer, data.features.data.buffer, `rows ${rows}: copied`);
  }
});

test('bad fractions, empty parts and stratifying a regression are validation errors', () => {
  const data = toy([5, 5]);
  assert.throws(() => splitIndices(data, { testFraction: 1.5, rng: new Rng(1) }), (e) => hasCode(e, 'validation'));
  assert.throws(() => splitIndices(toy([1]), { testFraction: 0.1, rng: new Rng(1) }), (e) => hasCode(e, 'validation') && /empty part/.test(e.message));
  const regression = regressionDataset({ name: 'r', features: createMatrix(4, 1), schema: uniformNumericSchema(1, 'x', 0, 1), targets: new Float64Array(4), targetName: 'y' });
  assert.throws(() => splitIndices(regression, { testFraction: 0.5, stratify: true, rng: new Rng(1) }), (e) => hasCode(e, 'validation'));
});

test('inconsistent data sets are rejected with every issue listed', () => {
  assert.throws(
    () => classificationDataset({ name: 'bad', features: createMatrix(3, 2), schema: uniformNumericSchema(1, 'x', 0, 1), labels: Int32Array.from([0, 5]), classes: ['a'], targetName: 'y' }),
    (e) => hasCode(e, 'validation') && /2 columns.*2 targets for 3|labels\[1\]/.test(e.message),
  );
});
