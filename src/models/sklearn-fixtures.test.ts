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
import type { Mlp } from './neural/mlp.ts';
import { applyLayer } from './neural/dense-network.ts';
import { loadCsv } from '../data/loaders/csv.ts';

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

test("scikit-learn's digits MLP on its 600 member images from CSV runs whole in the WebAssembly kernel with the bits of the scalar loop, and refuses a non-finite pixel naming it", () => {
  const model = loadModelFile(join(fixtures, 'digits-mlp.json')) as Mlp;
  const table = loadCsv(join(fixtures, 'digits-members.csv'));
  const pixels = { ...table, columns: table.columns.filter((name) => name !== 'label'), rows: table.rows.map((row) => row.slice(0, 64)) };
  const rows = encodeTableWithSchema(model.schema, pixels);
  assert.equal(rows.rows, 600);
  // 64 → 32 → 10 on 600 rows: both layers large enough for the kernel, so the network runs there whole.
  const loop = model.layers.reduce((current, layer) => applyLayer(layer, current, 'js'), rows);
  const fast = model.predictProba(rows);
  for (let k = 0; k < loop.data.length; k++) assert.ok(Object.is(fast.data[k], loop.data[k]), `[${k}]: ${fast.data[k]} vs ${loop.data[k]}`);
  const labels = table.rows.map((row) => row[64]);
  const predicted = model.predict(rows);
  const accuracy = labels.filter((label, i) => model.classes[predicted[i]] === label).length / 600;
  assert.ok(accuracy > 0.95, `member accuracy ${accuracy}`);
  rows.data[321 * 64 + 40] = Infinity;
  assert.throws(() => model.predictProba(rows), /features\[321\]\[40\]: is Infinity \(feature "p40", row 322\); give finite values/);
});
