import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationDataset } from '../../data/dataset.ts';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';
import { fitTableEncoder } from '../../data/encoders/table-encoder.ts';
import { parseCsv } from '../../data/loaders/csv.ts';
import { hasCode } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import { fidelity } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { formatPolicy } from '../../oracle/policy.ts';
import type { Oracle, OutputPolicy } from '../../oracle/types.ts';
import { HttpOracle } from '../../api/client.ts';
import { Rng } from '../../random.ts';
import { testApi } from '../../testing/api.ts';
import { runAttack } from '../runner.ts';
import { chosenQueries } from './chosen-queries.ts';
import { equationSolving } from './equation-solving.ts';

const iris = loadIrisEmbedded();

/** A small mixed table (numeric + one-hot) like Adult, binary target. */
function mixedData() {
  const rng = new Rng(3);
  const lines = ['age,hours,colour,label'];
  for (let i = 0; i < 400; i++) {
    const age = 18 + rng.int(60);
    const hours = 10 + rng.int(50);
    const colour = ['red', 'green', 'blue'][rng.int(3)];
    const score = 0.05 * age + 0.04 * hours + (colour === 'red' ? 1 : 0) - 4 + rng.normal();
    lines.push(`${age},${hours},${colour},${score > 0 ? 'yes' : 'no'}`);
  }
  const table = parseCsv(lines.join('\n'), 'mixed.csv');
  return fitTableEncoder(table, { target: 'label' }).transform(table, 'mixed');
}

async function served(model: LinearClassifier, policy: OutputPolicy): Promise<Oracle> {
  const api = testApi();
  const key = await api.owner('owner1');
  const id = (await api.call('POST', '/v1/models', { key, body: model.toJSON() })).body.id;
  await api.call('POST', `/v1/models/${id}/publish`, { key, body: { price: 0.001, policy: formatPolicy(policy) } });
  return HttpOracle.connect('http://api.test', id, key, api.fetch);
}

function check(target: LinearClassifier, surrogate: LinearClassifier, minimum: number, maxGap?: number) {
  const result = fidelity(target, surrogate, iris.schema === target.schema ? iris.features : uniformRows(target.schema, 500, new Rng(9)), uniformRows(target.schema, 2000, new Rng(10)));
  assert.ok(result.test.agreement >= minimum, `test agreement ${result.test.agreement}`);
  assert.ok(result.uniform.agreement >= minimum, `uniform agreement ${result.uniform.agreement}`);
  if (maxGap !== undefined) assert.ok(result.uniform.maxProbabilityGap < maxGap, `max |Δp| ${result.uniform.maxProbabilityGap}`);
}

test('binary logistic regression: d + 1 queries recover it exactly, in-process and over HTTP', async () => {
  const data = mixedData();
  const target = new LinearClassifierTrainer('logistic').fitSync(data);
  for (const oracle of [new LocalOracle(target), await served(target, { kind: 'full' })]) {
    const record = await runAttack(equationSolving, oracle, { seed: 1 });
    assert.equal(record.status, 'completed');
    assert.equal(record.queries, target.inputSize + 1);
    assert.equal(record.outcome!.method, 'exact');
    check(target, record.outcome!.surrogate, 1, 1e-9);
  }
});

test('softmax: exact from d + 1 queries; rounded to 3 decimals: loss minimisation still agrees', async () => {
  const target = new LinearClassifierTrainer('softmax').fitSync(iris);
  const exact = await runAttack(equationSolving, new LocalOracle(target), { seed: 2 });
  assert.equal(exact.queries, 5);
  check(target, exact.outcome!.surrogate, 1, 1e-9);
  const rounded = await runAttack(equationSolving, await served(target, { kind: 'rounded', decimals: 3 }), { seed: 2, params: { queries: 60 } });
  assert.equal(rounded.outcome!.method, 'loss');
  check(target, rounded.outcome!.surrogate, 0.97, 0.05);
});

test('one-vs-rest: loss minimisation on one query per unknown', async () => {
  const target = new LinearClassifierTrainer('ovr').fitSync(iris);
  const record = await runAttack(equationSolving, new LocalOracle(target), { seed: 3 });
  assert.equal(record.outcome!.method, 'loss');
  assert.equal(record.queries, 15);
  check(target, record.outcome!.surrogate, 0.97);
});

test('chosen queries extract a wide softmax exactly (|Δp| < 1e-9) from d + 1 answers', async () => {
  const rng = new Rng(4);
  const rows = 60;
  const d = 300;
  const features = createMatrix(rows, d, Float64Array.from({ length: rows * d }, () => rng.uniform()));
  const data = classificationDataset({ name: 'wide', features, schema: { features: Array.from({ length: d }, (_, j) => ({ kind: 'numeric' as const, name: `px${j}`, min: 0, max: 1 })) }, labels: Int32Array.from({ length: rows }, (_, i) => i % 4), classes: ['a', 'b', 'c', 'd'], targetName: 'y' });
  const target = new LinearClassifierTrainer('softmax', { standardize: false }).fitSync(data);
  const record = await runAttack(chosenQueries, await served(target, { kind: 'full' }), { seed: 5 });
  assert.equal(record.queries, d + 1);
  check(target, record.outcome!.surrogate, 1, 1e-9);
});

test('an exhausted budget is a status, not a crash; label-only oracles are refused', async () => {
  const target = new LinearClassifierTrainer('softmax').fitSync(iris);
  const record = await runAttack(equationSolving, new LocalOracle(target), { seed: 1, budget: 3 });
  assert.equal(record.status, 'budget-exhausted');
  assert.equal(record.queries, 0);
  assert.equal(record.outcome, undefined);
  await assert.rejects(runAttack(equationSolving, new LocalOracle(target, { kind: 'label-only' }), { seed: 1 }), (e) => hasCode(e, 'capability') && /needs scores answers/.test(e.message));
});

test('saturated answers give no equations: auto falls back to loss minimisation on the same answers; forced exact says partial', async () => {
  // A softmax over a raw, unscaled column in the hundreds of thousands: most answers are 0 or 1 in float64.
  const schema = { features: [{ kind: 'numeric' as const, name: 'big', min: 1e4, max: 1e6 }, { kind: 'numeric' as const, name: 'small', min: 0, max: 1 }] };
  const target = new LinearClassifier({ kind: 'softmax', classes: ['low', 'high'], schema, weights: createMatrix(2, 2, Float64Array.of(0, 0, 1, 3)), biases: Float64Array.of(0, -1000), params: {} });
  const auto = await runAttack(equationSolving, new LocalOracle(target), { seed: 1 });
  assert.equal(auto.outcome!.saturated, auto.queries, 'every answer saturates');
  assert.equal(auto.outcome!.method, 'loss', 'nothing is called exact that is not');
  const forced = await runAttack(equationSolving, new LocalOracle(target), { seed: 1, params: { method: 'exact' } });
  assert.equal(forced.outcome!.method, 'partial');
});
