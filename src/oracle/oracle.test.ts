import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { hasCode } from '../errors.ts';
import { createMatrix, selectRows } from '../math/matrix.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { LinearRegressionTrainer } from '../models/linear/linear-regression.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { regressionDataset } from '../data/dataset.ts';
import { BudgetOracle, CachingOracle, CountingOracle, requireReveals } from './decorators.ts';
import { LocalOracle } from './local-oracle.ts';
import { formatPolicy, parsePolicy, roundTo } from './policy.ts';
import type { ScoresAnswer } from './types.ts';

const iris = loadIrisEmbedded();
const softmax = new LinearClassifierTrainer('softmax').fitSync(iris);
const rows = selectRows(iris.features, [0, 60, 120]);

test('policies parse and print; bad ones are validation errors', () => {
  for (const text of ['full', 'rounded:4', 'label-only', 'top-k:2']) assert.equal(formatPolicy(parsePolicy(text)), text);
  assert.deepEqual(parsePolicy('label'), { kind: 'label-only' });
  for (const bad of ['rounded', 'rounded:-1', 'top-k:0', 'fancy']) assert.throws(() => parsePolicy(bad), (e) => hasCode(e, 'validation'));
  assert.equal(roundTo(0.123456, 3), 0.123);
  assert.equal(roundTo(-0.0005, 3), -0.001);
});

test('full scores equal predictProba; rounded scores round them; labels and top-k reveal less', async () => {
  const proba = softmax.predictProba(rows);
  const full = (await new LocalOracle(softmax).query(rows)) as ScoresAnswer[];
  assert.deepEqual(full.map((a) => a.kind), ['scores', 'scores', 'scores']);
  assert.deepEqual(full[1].probabilities, Array.from(proba.data.subarray(3, 6)));
  const rounded = (await new LocalOracle(softmax, { kind: 'rounded', decimals: 2 }).query(rows)) as ScoresAnswer[];
  rounded[1].probabilities.forEach((p, c) => assert.equal(p, roundTo(proba.data[3 + c], 2)));
  const labels = await new LocalOracle(softmax, { kind: 'label-only' }).query(rows);
  assert.deepEqual(labels, Array.from(softmax.predict(rows), (label) => ({ kind: 'label', label })));
  const top = await new LocalOracle(softmax, { kind: 'top-k', k: 2 }).query(rows);
  assert.equal(top[0].kind, 'top-k');
  if (top[0].kind === 'top-k') {
    assert.equal(top[0].top.length, 2);
    assert.equal(top[0].top[0].label, top[0].label);
    assert.ok(top[0].top[0].probability >= top[0].top[1].probability);
  }
});

test('trees answer BigML-style and accept partial rows; regressors answer values', async () => {
  const tree = new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(iris);
  const oracle = new LocalOracle(tree);
  assert.equal(oracle.info.reveals, 'leaf');
  assert.equal(oracle.info.partialRows, true);
  const [leaf, partial] = await oracle.query(createMatrix(2, 4, Float64Array.from([5.1, 3.5, 1.4, 0.2, NaN, NaN, NaN, NaN])));
  assert.ok(leaf.kind === 'leaf' && leaf.label === 0 && leaf.count > 0 && leaf.confidence > 0.9);
  assert.ok(partial.kind === 'leaf' && partial.count === 150, 'a row with every feature missing stops at the root');
  const regression = regressionDataset({ name: 'r', features: createMatrix(3, 1, Float64Array.from([1, 2, 3])), schema: { features: [{ kind: 'numeric', name: 'x', min: 1, max: 3 }] }, targets: Float64Array.from([2, 4, 6]), targetName: 'y' });
  const line = new LinearRegressionTrainer().fitSync(regression);
  const [value] = await new LocalOracle(line, { kind: 'rounded', decimals: 3 }).query(createMatrix(1, 1, Float64Array.from([10])));
  assert.deepEqual(value, { kind: 'value', value: 20 });
  assert.throws(() => new LocalOracle(line, { kind: 'label-only' }), (e) => hasCode(e, 'validation'));
});

test('counting, budget and cache decorators: the budget refuses before asking and charges nothing', async () => {
  const counted = new CountingOracle(new LocalOracle(softmax, { kind: 'full' }, 0.01));
  const budgeted = new BudgetOracle(counted, 5);
  await budgeted.query(rows);
  await assert.rejects(budgeted.query(rows), (e) => hasCode(e, 'budget-exceeded') && /3 of 5 queries used, 3 more requested/.test(e.message));
  assert.equal(counted.queries, 3);
  assert.equal(counted.requests, 1);
  assert.ok(Math.abs(counted.cost - 0.03) < 1e-12);
  assert.equal(budgeted.remaining, 2);
  const inner = new CountingOracle(new LocalOracle(softmax));
  const cached = new CachingOracle(inner);
  const twice = createMatrix(4, 4, Float64Array.from([...rows.data.subarray(0, 8), ...rows.data.subarray(0, 8)]));
  const first = await cached.query(twice);
  assert.deepEqual(first[0], first[2]);
  await cached.query(rows);
  assert.equal(inner.queries, 3, 'only distinct unseen rows reach the inner oracle');
  assert.equal(cached.hits, 4);
});

test('an attack needing scores cannot be handed a label-only oracle', () => {
  const labels = new LocalOracle(softmax, { kind: 'label-only' });
  assert.throws(() => requireReveals(labels, 'scores', 'equation solving'), (e) => hasCode(e, 'capability') && /needs scores answers, but this oracle reveals label/.test(e.message));
  const scores = requireReveals(new LocalOracle(softmax), ['scores', 'leaf'], 'x');
  assert.equal(scores.info.reveals, 'scores');
});
