import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationDataset, regressionDataset } from '../../data/dataset.ts';
import type { FeatureSchema } from '../../data/schema.ts';
import { createMatrix, matrixFromRows } from '../../math/matrix.ts';
import { confusionCounts, labelErrorModel } from '../../metrics/confusion.ts';
import { LinearRegressionTrainer } from '../../models/linear/linear-regression.ts';
import { DecisionTreeTrainer } from '../../models/tree/cart.ts';
import { DecisionTree } from '../../models/tree/decision-tree.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { mapInversion, measureErrorModel } from './map-estimator.ts';
import { categoricalFeature, marginalPrior, setLevel, trueLevels } from './sensitive.ts';
import { treeWhiteBoxInversion } from './tree-white-box.ts';

/** label = sensitive XOR other, for 3-level "other" (label = (s + o) mod 2): s is recoverable from (o, label). */
function xorData(rows: number, seed: number) {
  const rng = new Rng(seed);
  const schema: FeatureSchema = {
    features: [
      { kind: 'categorical', name: 'secret', levels: ['no', 'yes'], encoding: 'ordinal' },
      { kind: 'categorical', name: 'other', levels: ['a', 'b', 'c'], encoding: 'ordinal' },
    ],
  };
  const features = createMatrix(rows, 2);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const secret = rng.uniform() < 0.3 ? 1 : 0;
    const other = Math.floor(rng.uniform() * 3);
    features.data[2 * i] = secret;
    features.data[2 * i + 1] = other;
    labels[i] = (secret + other) % 2;
  }
  return classificationDataset({ name: 'xor', features, schema, labels, classes: ['even', 'odd'], targetName: 'parity' });
}

test('MAP inversion recovers a sensitive value the label determines, one query per candidate level', async () => {
  const data = xorData(400, 1);
  const tree = new DecisionTreeTrainer({}).fitSync(data);
  const secret = categoricalFeature(data.schema, 'secret');
  const oracle = new CountingOracle(new LocalOracle(tree, { kind: 'label-only' }));
  const outcome = await mapInversion(oracle, {
    rows: data.features,
    observed: data.labels,
    sensitive: { feature: secret, prior: marginalPrior(data, secret) },
    error: { kind: 'confusion', matrix: labelErrorModel(confusionCounts(tree, data)) },
  });
  assert.equal(oracle.queries, 400 * 2, 'one query per target per level');
  assert.deepEqual(outcome.guesses, Array.from(trueLevels(data, secret)));
  for (const posterior of outcome.posteriors) assert.ok(Math.abs(posterior[0] + posterior[1] - 1) < 1e-12);
});

test('MAP inversion of a regressor sums out a second unknown genotype by its prior', async () => {
  // dose = 3·[v = 1] + 6·[v = 2] + 0.5·[g = 1] + noise: v is recoverable, g barely matters.
  const rng = new Rng(3);
  const schema: FeatureSchema = {
    features: [
      { kind: 'categorical', name: 'v', levels: ['v0', 'v1', 'v2'], encoding: 'one-hot' },
      { kind: 'categorical', name: 'g', levels: ['g0', 'g1'], encoding: 'one-hot' },
      { kind: 'numeric', name: 'age', min: 0, max: 1 },
    ],
  };
  const rows = 300;
  const features = createMatrix(rows, 6);
  const targets = new Float64Array(rows);
  const v = categoricalFeature(schema, 'v');
  const g = categoricalFeature(schema, 'g');
  for (let i = 0; i < rows; i++) {
    const row = features.data.subarray(6 * i, 6 * i + 6);
    const level = Math.floor(rng.uniform() * 3);
    const genotype = rng.uniform() < 0.5 ? 1 : 0;
    setLevel(row, v, level);
    setLevel(row, g, genotype);
    row[5] = rng.uniform();
    targets[i] = 3 * level + 0.5 * genotype + row[5] + 0.3 * (rng.uniform() - 0.5);
  }
  const data = regressionDataset({ name: 'dose', features, schema, targets, targetName: 'dose' });
  const model = await new LinearRegressionTrainer({}).fit(data, new Rng(1));
  const oracle = new CountingOracle(new LocalOracle(model));
  const error = await measureErrorModel(oracle, data.features, targets);
  assert.equal(error.kind, 'gaussian');
  const outcome = await mapInversion(oracle, { rows: data.features, observed: targets, sensitive: { feature: v, prior: marginalPrior(data, v) }, marginalize: [{ feature: g, prior: marginalPrior(data, g) }], error });
  assert.equal(oracle.queries, rows + rows * 3 * 2, 'error model, then 3 levels × 2 genotypes per target');
  const truth = trueLevels(data, v);
  const correct = outcome.guesses.filter((guess, i) => guess === truth[i]).length;
  assert.ok(correct / rows > 0.97, `accuracy ${correct / rows}`);
});

test('white-box tree inversion scores levels by the training counts of compatible leaves', () => {
  // root: secret (ordinal) in {0} left → leaf A counts [3, 1]; right → node on other ≤ 0.5:
  // leaf B counts [0, 2], leaf C counts [5, 0].
  const schema: FeatureSchema = {
    features: [
      { kind: 'categorical', name: 'secret', levels: ['no', 'yes'], encoding: 'ordinal' },
      { kind: 'numeric', name: 'other', min: 0, max: 1 },
    ],
  };
  const tree = new DecisionTree({
    classes: ['c0', 'c1'],
    schema,
    inputSize: 2,
    params: {},
    nodes: [
      { id: 0, depth: 0, counts: [8, 3], split: { kind: 'categorical', feature: 0, left: [0] }, left: 1, right: 2 },
      { id: 1, depth: 1, counts: [3, 1] },
      { id: 2, depth: 1, counts: [5, 2], split: { kind: 'numeric', feature: 1, threshold: 0.5 }, left: 3, right: 4 },
      { id: 3, depth: 2, counts: [0, 2] },
      { id: 4, depth: 2, counts: [5, 0] },
    ],
  });
  const secret = categoricalFeature(schema, 'secret');
  const prior = Float64Array.from([0.6, 0.4]);
  const rows = matrixFromRows([
    [Number.NaN, 0],
    [Number.NaN, 1],
    [Number.NaN, Number.NaN],
  ]);
  const outcome = treeWhiteBoxInversion(tree, { rows, observed: [1, 1, 0], sensitive: secret, prior });
  // other = 0, label 1: no → leaf A n(1) = 1; yes → leaf B n(1) = 2.
  assert.deepEqual(outcome.posteriors[0], [1 / 3, 2 / 3]);
  // other = 1, label 1: yes → leaf C n(1) = 0; only "no" has a row: posterior all on no.
  assert.deepEqual(outcome.posteriors[1], [1, 0]);
  // other unknown, label 0: no → 3; yes → B (2/7 of node 2's rows) · 0 + C (5/7) · 5 = 25/7.
  const yes = 25 / 7;
  assert.ok(Math.abs(outcome.posteriors[2][1] - yes / (3 + yes)) < 1e-12);
  assert.deepEqual(outcome.guesses, [1, 0, 1]);
});

test('a tree can be forced to split a sensitive feature at one depth only', () => {
  const data = xorData(400, 2);
  const free = new DecisionTreeTrainer({}).fitSync(data);
  const forced = new DecisionTreeTrainer({ sensitiveFeature: 0, sensitiveDepth: 1 }).fitSync(data);
  const splitsOnSecret = (tree: DecisionTree) => tree.nodes.filter((node) => node.split?.feature === 0).map((node) => node.depth);
  assert.ok(splitsOnSecret(free).length > 0);
  assert.ok(splitsOnSecret(forced).length > 0 && splitsOnSecret(forced).every((depth) => depth === 1), `depths ${splitsOnSecret(forced)}`);
  assert.throws(() => new DecisionTreeTrainer({ sensitiveFeature: 5 }).fitSync(data), /column 5 does not exist/);
});

test('inverting a numeric or unknown feature names the categorical features there are', () => {
  const data = xorData(10, 4);
  assert.throws(() => categoricalFeature(data.schema, 'income'), /no such feature; a categorical feature of the model is one of "secret", "other"/);
});
