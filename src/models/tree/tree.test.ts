import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCsv } from '../../data/loaders/csv.ts';
import { fitTableEncoder } from '../../data/encoders/table-encoder.ts';
import { classificationDataset, type ClassificationDataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { createMatrix, matrixFromRows } from '../../math/matrix.ts';
import { DecisionTreeTrainer, type GroupingOptions } from './cart.ts';
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

test('the presorting builder grows the trees the per-node-sorting builder grew before it (commit bcc62db), node for node', () => {
  // Node counts and SHA-256 of toJSON() of the trees grown by the previous builder on the shipped data.
  const before = [
    ['adult-income', {}, 8471, 'd65fb2d594ccb9c9'],
    ['adult-income', { criterion: 'entropy', minSamplesLeaf: 3 }, 5643, '41c942aa3da2bbe8'],
    ['gss', { maxDepth: 8 }, 267, 'f580505c3f873ccc'],
    ['steak', { maxDepth: 5 }, 47, '65896e47ec473471'],
    ['steak-eaters', {}, 513, '5fa94de84fd05fa5'],
    ['iris', {}, 17, 'ade1d9f278f92dd8'],
  ] as const;
  for (const [name, params, nodes, hash] of before) {
    const tree = new DecisionTreeTrainer(params).fitSync(loadDataset(name) as ClassificationDataset);
    const label = `${name} ${JSON.stringify(params)}`;
    assert.equal(tree.nodes.length, nodes, label);
    assert.equal(createHash('sha256').update(JSON.stringify(tree.toJSON())).digest('hex').slice(0, 16), hash, label);
  }
});

/** A random data set: numeric columns of few or many values (ties, NaN), an ordinal categorical, a 0/1 column. */
const randomData = fc
  .record({
    rows: fc.integer({ min: 2, max: 120 }),
    classes: fc.integer({ min: 2, max: 4 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    missing: fc.double({ min: 0, max: 0.3, noNaN: true }),
    spread: fc.constantFrom(2, 5, 40, 1000),
  })
  .map(({ rows, classes, seed, missing, spread }) => {
    let state = seed;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const cols = 4;
    const features = createMatrix(rows, cols);
    const labels = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const row = [Math.floor(next() * spread), next() * 10, Math.floor(next() * 5), next() < 0.5 ? 0 : 1];
      for (let j = 0; j < 3; j++) if (next() < missing) row[j] = NaN;
      features.data.set(row, i * cols);
      labels[i] = (row[3] + Math.floor((row[0] || 0) / (spread / 3 + 1)) + (next() < 0.2 ? 1 : 0)) % classes;
    }
    if (new Set(labels).size < 2) labels[0] = (labels[0] + 1) % classes;
    return classificationDataset({
      name: 'random',
      targetName: 'label',
      features,
      labels,
      classes: Array.from({ length: classes }, (_, c) => `c${c}`),
      schema: {
        features: [
          { kind: 'numeric', name: 'few', min: 0, max: spread },
          { kind: 'numeric', name: 'many', min: 0, max: 10 },
          { kind: 'categorical', name: 'level', levels: ['a', 'b', 'c', 'd', 'e'], encoding: 'ordinal' },
          { kind: 'numeric', name: 'flag', min: 0, max: 1 },
        ],
      },
    });
  });

test('property: every way of grouping rows (presorted, histogram, sorted keys, set entries) grows the same tree', () => {
  const ways: GroupingOptions[] = [{ presortAbove: 0 }, { presortAbove: Infinity }, { presortAbove: 0, sparseBinary: false }, { presortAbove: Infinity, sparseBinary: false }];
  fc.assert(
    fc.property(randomData, fc.constantFrom<Record<string, unknown>>({}, { criterion: 'entropy', minSamplesLeaf: 3 }, { maxDepth: 3 }, { sensitiveFeature: 2, sensitiveDepth: 1 }), (data, params) => {
      const expected = JSON.stringify(new DecisionTreeTrainer(params).fitSync(data).toJSON());
      for (const way of ways) assert.equal(JSON.stringify(new DecisionTreeTrainer(params, undefined, way).fitSync(data).toJSON()), expected, JSON.stringify(way));
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('an infinite value is rejected wherever it sits (a level column, a 0/1 column, a many-valued one), naming the first', () => {
  const data = dataset(); // colour (ordinal, 4 levels), size (numeric with missing), weight (40 values)
  for (const [row, col] of [[3, 0], [7, 1], [39, 2]]) {
    const features = createMatrix(data.features.rows, data.features.cols, Float64Array.from(data.features.data));
    features.data[row * features.cols + col] = -Infinity;
    features.data[(data.features.rows - 1) * features.cols + 2] = Infinity;
    assert.throws(
      () => new DecisionTreeTrainer().fitSync({ ...data, features }),
      (e: Error & { code?: string }) => e.code === 'validation' && e.message.includes(`features[${row}][${col}]`) && /only NaN may mark a missing value/.test(e.message),
    );
  }
});
