/**
 * Gaussian noise on published scores, on a model made outside threatlab (scikit-learn's iris
 * softmax) and rows from a CSV: labels stay the model's, each answer is still a distribution, a
 * repeated row gets the same noisy answer (no averaging it away), and the wrapper refuses a
 * target that does not reveal scores.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv } from '../data/loaders/csv.ts';
import { encodeTableWithSchema } from '../data/encoders/schema-encoder.ts';
import { hasCode } from '../errors.ts';
import { loadModelFile } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { NoisyScoresOracle } from './noisy-scores.ts';
import { PolicyOracle } from './output-policy.ts';

const model = loadModelFile(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn', 'iris-softmax.json')) as Classifier;
const rows = encodeTableWithSchema(model.schema, parseCsv('sepal length,sepal width,petal length,petal width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n5.9,3.0,4.2,1.5\n', 'rows.csv'));

test('noisy scores on scikit-learn\'s iris softmax: same labels, distributions, the same answer for a repeated row, every query counted', async () => {
  const counted = new CountingOracle(new LocalOracle(model));
  const noisy = new NoisyScoresOracle(counted, 0.1, 7);
  const [first, again, exact] = [await noisy.query(rows), await noisy.query(rows), await new LocalOracle(model).query(rows)];
  assert.equal(counted.queries, 6, 'both noisy requests reach the target and are counted');
  first.forEach((answer, i) => {
    assert.equal(answer.kind, 'scores');
    if (answer.kind !== 'scores' || exact[i].kind !== 'scores') return;
    assert.equal(answer.label, exact[i].label, 'the label is the model\'s own');
    assert.ok(Math.abs(answer.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(answer.probabilities.every((p) => p >= 0));
    assert.notDeepEqual(answer.probabilities, exact[i].probabilities);
  });
  assert.deepEqual(again, first, 'a repeated row gets the same noise');
  const otherSeed = await new NoisyScoresOracle(new LocalOracle(model), 0.1, 8).query(rows);
  assert.notDeepEqual(otherSeed, first);
});

test('noise needs a scores target and a positive scale', () => {
  assert.throws(() => new NoisyScoresOracle(new PolicyOracle(new LocalOracle(model), { kind: 'label-only' }), 0.1, 1), (e) => hasCode(e, 'validation'));
  assert.throws(() => new NoisyScoresOracle(new LocalOracle(model), 0, 1), (e) => hasCode(e, 'validation'));
});
