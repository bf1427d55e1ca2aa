/**
 * Models trained by scikit-learn and exported with tools/sklearn_to_threatlab.py (fixtures made
 * by test/fixtures/sklearn/make_fixtures.py): our answers equal scikit-learn's predict_proba to
 * 1e-6 on the same raw rows — logistic (softmax, one-vs-rest, the binary "multinomial" σ(2z)
 * case behind a StandardScaler), MLPs (binary and 3-class), a tree, and an MLP behind a
 * ColumnTransformer of one-hot categories and scaled numbers on Adult.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTableWithSchema } from '../data/encoders/schema-encoder.ts';
import { createMatrix } from '../math/matrix.ts';
import { loadModelFile } from './registry.ts';
import type { Classifier } from './types.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
const read = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

function assertClose(actual: Float64Array, expected: number[][], what: string): void {
  const flat = expected.flat();
  assert.equal(actual.length, flat.length, what);
  let worst = 0;
  flat.forEach((value, k) => (worst = Math.max(worst, Math.abs(actual[k] - value))));
  assert.ok(worst < 1e-6, `${what}: max |Δp| ${worst}`);
}

test('scikit-learn models on Iris answer as scikit-learn does, to 1e-6', () => {
  const expected = read('iris-expected.json');
  const rows = createMatrix(expected.rows.length, expected.columns.length, Float64Array.from(expected.rows.flat()));
  for (const [name, want] of Object.entries(expected.models) as [string, { classes: string[]; probabilities: number[][] }][]) {
    const model = loadModelFile(join(fixtures, `${name}.json`)) as Classifier;
    assert.deepEqual([...model.classes], want.classes, name);
    assert.deepEqual(model.schema.features.map((f) => f.name), expected.columns, name);
    assertClose(model.predictProba(rows).data, want.probabilities, name);
  }
});

test('an MLP behind one-hot categories and scaled numbers (Adult) answers raw records as scikit-learn does', () => {
  const expected = read('adult-expected.json');
  const model = loadModelFile(join(fixtures, 'adult-mlp.json')) as Classifier;
  assert.equal(model.kind, 'mlp');
  const names = model.schema.features.map((feature) => feature.name);
  const table = { source: 'adult-expected', columns: names, rows: expected.records.map((record: Record<string, unknown>) => names.map((name) => String(record[name]))), lines: expected.records.map((_: unknown, i: number) => i + 2) };
  const rows = encodeTableWithSchema(model.schema, table);
  assert.deepEqual([...model.classes], expected.classes);
  assertClose(model.predictProba(rows).data, expected.probabilities, 'adult MLP');
});
