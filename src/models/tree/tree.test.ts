import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../data/loaders/csv.ts';
import { fitTableEncoder } from '../../data/encoders/table-encoder.ts';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { createMatrix, matrixFromRows } from '../../math/matrix.ts';
import { DecisionTreeTrainer } from './cart.ts';
import { wilsonLowerBound } from './decision-tree.ts';

const csv = [
  'colour,size,weight,label',
  ...Array.from({ length: 40 }, (_, i) => {
    const colour = ['red', 'green', 'blue', 'black'][i % 4];
    const size = i % 3 === 0 ? '' : String(i % 5);
    const label = colour === 'red' || colour === 'black' ? 'warm' : 'cool';
    return `${colour},${size},${i},${label}`;
  }),
].join('\n');

function dataset(): ClassificationDataset {
  const table = parseCsv(csv, 'shapes.csv');
  return fitTableEncoder(table, { target: 'label', columns: { colour: 'ordinal', size: 'numeric' } }).transform(table, 'shapes') as ClassificationDataset;
}

test('a categorical split groups levels: one split separates {red, black} from {green, blue}', () => {
  const data = dataset();
  const tree = new DecisionTreeTrainer().fitSync(data);
  const root = tree.nodes[0];
  assert.equal(root.split?.kind, 'categorical');
  assert.deepEqual(root.counts, [20, 20]);
  assert.equal(tree.leafCount, 2);
  const colour = data.schema.features[0];
  assert.ok(colour.kind === 'categorical');
  const left = (root.split as { left: number[] }).left.map((level) => colour.levels[level]).sort();
  assert.ok(JSON.stringify(left) === '["black","red"]' || JSON.stringify(left) === '["blue","green"]');
  const accuracy = tree.predict(data.features).filter((p, i) => p === data.labels[i]).length;
  assert.equal(accuracy, 40);
});

test('numeric thresholds sit midway between observed values', () => {
  const features = matrixFromRows([[1], [2], [3], [10], [11], [12]]);
  const data = { ...dataset(), features, labels: Int32Array.from([0, 0, 0, 1, 1, 1]), schema: { features: [{ kind: 'numeric' as const, name: 'x', min: 1, max: 12 }] } };
  const tree = new DecisionTreeTrainer().fitSync(data);
  assert.deepEqual(tree.nodes[0].split, { kind: 'numeric', feature: 0, threshold: 6.5 });
});

test('a missing feature stops the descent at the internal node, as BigML answers', () => {
  const features = matrixFromRows([[0, 0], [0, 1], [1, 0], [1, 1], [0, 0], [0, 1], [1, 0], [1, 1]]);
  const labels = Int32Array.from([0, 1, 1, 1, 0, 1, 1, 1]);
  const data = { ...dataset(), features, labels, schema: { features: [{ kind: 'numeric' as const, name: 'a', min: 0, max: 1 }, { kind: 'numeric' as const, name: 'b', min: 0, max: 1 }] } };
  const tree = new DecisionTreeTrainer().fitSync(data);
  const answers = tree.explain(createMatrix(3, 2, Float64Array.from([NaN, NaN, 0, 0, 1, NaN])));
  assert.equal(answers[0].nodeId, 0);
  assert.equal(answers[0].leaf, false);
  assert.deepEqual(answers[0].counts, [2, 6]);
  assert.equal(answers[1].leaf, true);
  assert.deepEqual(answers[1].counts, [2, 0]);
  assert.equal(answers[1].prediction, 0);
  // a = 1 decides class 1 whatever b is when the root splits on a; otherwise b's node answers.
  assert.equal(answers[2].prediction, 1);
  assert.ok(answers[2].confidence > 0 && answers[2].confidence < 1);
  assert.equal(tree.predictProba(createMatrix(1, 2, Float64Array.from([NaN, NaN]))).data[1], 0.75);
});

test('training with missing values keeps every row: missing rows follow the larger child', () => {
  const data = dataset();
  const tree = new DecisionTreeTrainer().fitSync(data);
  const total = tree.nodes[0].counts.reduce((a, b) => a + b, 0);
  assert.equal(total, 40);
  for (const node of tree.nodes) {
    if (!node.split) continue;
    const children = [tree.nodes[node.left!], tree.nodes[node.right!]];
    node.counts.forEach((count, c) => assert.equal(children[0].counts[c] + children[1].counts[c], count));
  }
});

test('max depth and minimum leaf size are honoured; Wilson bound matches a hand computation', () => {
  const data = dataset();
  const shallow = new DecisionTreeTrainer({ maxDepth: 1, minSamplesLeaf: 15 }).fitSync(data);
  assert.ok(shallow.depth <= 1);
  for (const node of shallow.nodes) assert.ok(node.counts.reduce((a, b) => a + b, 0) >= 15);
  // 8 of 10: p = 0.8, z = 1.96 → (0.8 + 0.19208 − 1.96·√((0.16 + 0.09604) / 10)) / 1.38416 = 0.490157
  assert.ok(Math.abs(wilsonLowerBound(8, 10) - 0.490157) < 1e-6);
});

test('progress counts the training rows settled in leaves: every row once, ending at the total', () => {
  const data = dataset();
  const ticks: number[] = [];
  let total = -1;
  const progress = { start: (_label: string, count: number) => (total = count), tick: (rows = 1) => ticks.push(rows), done: () => ticks.push(0) };
  const tree = new DecisionTreeTrainer({ maxDepth: 3 }, progress).fitSync(data);
  assert.equal(total, data.features.rows);
  assert.equal(ticks.reduce((a, b) => a + b, 0), data.features.rows);
  // One tick per leaf, then done.
  assert.equal(ticks.length - 1, tree.nodes.filter((node) => node.split === undefined).length);
});

test('the fast grouping of two-valued columns grows the same tree, node for node, as grouping every column alike (one-hot Adult, ordinal steak with missing answers)', () => {
  for (const [name, params] of [['adult-income', { maxDepth: 12 }], ['steak-eaters', {}]] as const) {
    const data = loadDataset(name) as ClassificationDataset;
    const fast = new DecisionTreeTrainer(params).fitSync(data);
    const general = new DecisionTreeTrainer(params, undefined, { sparseBinary: false }).fitSync(data);
    assert.ok(fast.nodes.length > 100, `${name}: ${fast.nodes.length} nodes`);
    assert.deepEqual(fast.toJSON(), general.toJSON(), name);
  }
});
