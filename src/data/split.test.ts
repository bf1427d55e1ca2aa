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
