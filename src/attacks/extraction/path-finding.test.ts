import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';
import { fitTableEncoder } from '../../data/encoders/table-encoder.ts';
import { parseCsv } from '../../data/loaders/csv.ts';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { fidelity } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { DecisionTreeTrainer } from '../../models/tree/cart.ts';
import type { DecisionTree } from '../../models/tree/decision-tree.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { HttpOracle } from '../../api/client.ts';
import { Rng } from '../../random.ts';
import { testApi } from '../../testing/api.ts';
import { hasCode } from '../../errors.ts';
import { runAttack } from '../runner.ts';
import { pathFinding } from './path-finding.ts';

function check(target: DecisionTree, surrogate: DecisionTree, test: ClassificationDataset) {
  const result = fidelity(target, surrogate, test.features, uniformRows(target.schema, 3000, new Rng(5)));
  assert.equal(result.test.agreement, 1, `test agreement ${result.test.agreement}`);
  assert.ok(result.uniform.agreement > 0.995, `uniform agreement ${result.uniform.agreement}`);
  return result;
}

test('path finding rebuilds a numeric tree (iris) in-process and over HTTP', async () => {
  const iris = loadIrisEmbedded();
  const target = new DecisionTreeTrainer({ maxDepth: 4 }).fitSync(iris);
  const api = testApi();
  const key = await api.owner('owner1');
  const id = (await api.call('POST', '/v1/models', { key, body: target.toJSON() })).body.id;
  for (const oracle of [new LocalOracle(target), await HttpOracle.connect('http://api.test', id, key, api.fetch)]) {
    for (const variant of ['top-down', 'basic']) {
      const record = await runAttack(pathFinding, oracle, { seed: 1, params: { variant } });
      assert.equal(record.status, 'completed');
      const surrogate = record.outcome!.surrogate;
      check(target, surrogate, iris);
      assert.equal(record.outcome!.leaves >= target.leafCount, true, `${variant}: ${record.outcome!.leaves} leaves found, target has ${target.leafCount}`);
    }
  }
});

test('path finding splits categorical levels (survey-like data with missing answers)', async () => {
  const rng = new Rng(6);
  const lines = ['smoke,region,age,risk'];
  for (let i = 0; i < 300; i++) {
    const smoke = rng.uniform() < 0.3 ? 'yes' : 'no';
    const region = ['north', 'south', 'east', 'west'][rng.int(4)];
    const age = rng.int(60) + 18;
    const risky = (smoke === 'yes' && region !== 'west') || (age > 60 && region === 'east');
    lines.push(`${rng.uniform() < 0.05 ? '' : smoke},${region},${age},${risky ? 'high' : 'low'}`);
  }
  const table = parseCsv(lines.join('\n'), 'survey.csv');
  const data = fitTableEncoder(table, { target: 'risk', categorical: 'ordinal' }).transform(table, 'survey') as ClassificationDataset;
  const target = new DecisionTreeTrainer().fitSync(data);
  const record = await runAttack(pathFinding, new LocalOracle(target), { seed: 2 });
  const complete = { ...data, features: { ...data.features, data: data.features.data.map((v) => (Number.isNaN(v) ? 0 : v)) } };
  check(target, record.outcome!.surrogate, complete);
  // Partial rows answer at inner nodes as the target does (BigML's behaviour), counts included.
  const partial = data.features.data.some(Number.isNaN);
  assert.ok(partial, 'the survey has missing answers');
  assert.deepEqual(record.outcome!.surrogate.predictProba(data.features).data, target.predictProba(data.features).data);
  // Top-down: one probe per missing column, two queries per set one, binary search only on the split column.
  assert.ok(record.queries < 40 * record.outcome!.leaves, `${record.queries} queries for ${record.outcome!.leaves} leaves`);
  // Complete rows only: pure leaves of equal size answer alike, and two such leaves side by side
  // are measured as one box, so this fully grown tree is not rebuilt exactly (the paper's Table 5
  // also loses fidelity without incomplete queries).
  const basic = await runAttack(pathFinding, new LocalOracle(target), { seed: 2, params: { variant: 'basic' } });
  const rows = uniformRows(target.schema, 3000, new Rng(5));
  const agreement = fidelity(target, basic.outcome!.surrogate, complete.features, rows);
  assert.ok(agreement.uniform.agreement > 0.97 && agreement.test.agreement > 0.97, `complete queries only: ${agreement.test.agreement} / ${agreement.uniform.agreement}`);
});

test('path finding needs BigML-style leaf answers', async () => {
  const iris = loadIrisEmbedded();
  const target = new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(iris);
  await assert.rejects(runAttack(pathFinding, new LocalOracle(target, { kind: 'label-only' }), { seed: 1 }), (e) => hasCode(e, 'capability'));
});
