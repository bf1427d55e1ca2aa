/**
 * Multinomial naive Bayes against scikit-learn's MultinomialNB on the same counts (the digits'
 * intensities 0..16, test/fixtures/sklearn/make_fixtures.py): the same weights, the same
 * probabilities; scikit-learn's own exported filter answers as scikit-learn does; negative
 * features are refused; the saved softmax form names its trainer, so shadows copy it.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classificationDataset } from '../../data/dataset.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import { loadModelFile, modelFromJson, trainerKindOf, trainerParamsOf } from '../registry.ts';
import type { Classifier } from '../types.ts';
import type { LinearClassifier } from './linear-classifier.ts';
import { NaiveBayesTrainer } from './naive-bayes.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');

function digitCounts(file: string) {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((line) => line.split(',').map(Number));
  const features = createMatrix(rows.length, 64, Float64Array.from(rows.flatMap((row) => row.slice(0, 64).map((value) => Math.round(value * 16)))));
  const labels = Int32Array.from(rows, (row) => row[64]);
  return classificationDataset({ name: file, features, schema: uniformNumericSchema(64, 'p', 0, 16), labels, classes: Array.from({ length: 10 }, (_, d) => String(d)), targetName: 'label' });
}

test("naive Bayes equals scikit-learn's MultinomialNB on the same counts, and loads scikit-learn's filter exactly", async () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'digits-nb-expected.json'), 'utf8')) as { rows: number[][]; probabilities: number[][] };
  const rows = createMatrix(expected.rows.length, 64, Float64Array.from(expected.rows.flat()));
  const theirs = loadModelFile(join(FIXTURES, 'digits-nb.json')) as Classifier;
  const ours = await new NaiveBayesTrainer().fit(digitCounts('digits-members.csv'));
  for (const model of [theirs, ours]) {
    const probabilities = model.predictProba(rows);
    expected.probabilities.flat().forEach((p, k) => assert.ok(Math.abs(probabilities.data[k] - p) < 1e-9, `${k}: ${probabilities.data[k]} vs scikit-learn ${p}`));
  }
  const [a, b] = [(theirs as LinearClassifier).weights.data, ours.weights.data];
  a.forEach((value, k) => assert.ok(Math.abs(value - b[k]) < 1e-12, `weight ${k}`));
  assert.equal(trainerKindOf(theirs), 'naive-bayes');
  assert.deepEqual(trainerParamsOf(ours), { alpha: 1 });
  assert.equal(trainerKindOf(modelFromJson(JSON.parse(JSON.stringify(ours.toJSON())))), 'naive-bayes', 'the file keeps its trainer');
});

test('naive Bayes refuses negative features with the row and column', () => {
  const data = classificationDataset({ name: 'bad', features: createMatrix(2, 2, Float64Array.of(1, 0, 0, -1)), schema: uniformNumericSchema(2, 'w', -1, 1), labels: Int32Array.of(0, 1), classes: ['ham', 'spam'], targetName: 'label' });
  assert.throws(() => new NaiveBayesTrainer().fitSync(data), /column 1 of row 1 is -1; multinomial naive Bayes needs non-negative counts/);
});
