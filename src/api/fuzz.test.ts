/**
 * A bounded, seeded fuzz of every route: 1,500 requests with random methods, keys, query strings
 * and bodies (valid ones, truncated JSON, wrong types, huge and non-finite numbers, deep nesting,
 * binary noise). No request may answer 5xx or an error without `{ error: { code, message } }`,
 * and afterwards the ledger holds exactly the answered predictions and the server still answers.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { Rng } from '../random.ts';
import { testApi, TEST_ADMIN_TOKEN } from '../testing/api.ts';
import { mlpFile } from '../testing/model-files.ts';

const iris = loadIrisEmbedded();
const softmax = new LinearClassifierTrainer('softmax').fitSync(iris).toJSON();
const tree = new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(iris).toJSON();

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return rng.uniform() * 10;
    case 1:
      return [1e308, -1e308, 5e-324, 0, -0, 2 ** 53 + 1, 1e21][rng.int(7)];
    case 2:
      return ['', 'full', 'rounded:3', 'rounded:0x4', 'label-only', 'top-k:2', 'setosa', 'x'.repeat(rng.int(300)), '\u0000\ud800'][rng.int(9)];
    case 3:
      return null;
    case 4:
      return rng.uniform() < 0.5;
    case 5:
      return rng.int(5) - 1;
    case 6:
      return Array.from({ length: rng.int(6) }, () => randomValue(rng, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: rng.int(5) }, () => [['rows', 'records', 'price', 'policy', 'visibility', 'budget', 'rateLimit', 'name', 'datasetId', 'target', 'model', 'params', 'seed', 'testFraction', 'extra'][rng.int(15)], randomValue(rng, depth + 1)]));
    default:
      return Array.from({ length: 1 + rng.int(3) }, () => Array.from({ length: 4 }, () => (rng.uniform() < 0.1 ? null : rng.uniform() * 8)));
  }
}

function randomBody(rng: Rng, ids: { model: string; tree: string; dataset: string }): string | undefined {
  switch (rng.int(10)) {
    case 0:
      return undefined;
    case 1:
      return JSON.stringify({ rows: [[5.1, 3.5, 1.4, 0.2]] }).slice(0, rng.int(30));
    case 2:
      return JSON.stringify({ rows: Array.from({ length: 1 + rng.int(4) }, () => [5.1, 3.5, rng.uniform() * 7, 0.2]) });
    case 3:
      return JSON.stringify({ records: [{ 'sepal length': rng.uniform() * 8, 'sepal width': '3.5', 'petal length': 1.4, 'petal width': rng.uniform() < 0.3 ? null : 0.2 }] });
    case 4:
      return JSON.stringify({ price: randomValue(rng), policy: randomValue(rng), visibility: ['public', 'private', 'x'][rng.int(3)] });
    case 5:
      return JSON.stringify({ datasetId: [ids.dataset, 'ds_nope'][rng.int(2)], target: ['label', 'nope'][rng.int(2)], model: ['tree', 'logistic', 'mlp', 'forest'][rng.int(4)], params: randomValue(rng) });
    case 6:
      return '{"a":'.repeat(rng.int(2000)) + '1' + '}'.repeat(rng.int(2000));
    case 7:
      return Buffer.from(Array.from({ length: rng.int(200) }, () => rng.int(256))).toString('latin1');
    case 8:
      return rng.uniform() < 0.5 ? JSON.stringify(randomValue(rng)) : 'a,b,label\n' + Array.from({ length: rng.int(30) }, (_, i) => `${i},${rng.int(3)},${['x', 'y'][rng.int(2)]}`).join('\n');
    default:
      return JSON.stringify([softmax, tree, mlpFile([4, 3, 2]), { kind: 'tree', format: 1 }][rng.int(4)]);
  }
}

test('1,500 random requests over every route: no 5xx, every error well formed, the ledger equals the answered predictions', async () => {
  const rng = new Rng(2026);
  const api = testApi({ limits: { maxBodyBytes: 64 << 10, maxUploadBytes: 256 << 10, keyCreationsPerMinute: 1000 } });
  const key = await api.owner('fuzzer', { budget: 500 });
  const other = await api.owner('other');
  const model = (await api.call('POST', '/v1/models', { key: other, body: softmax })).body.id;
  await api.call('POST', `/v1/models/${model}/publish`, { key: other, body: { price: 0.001, policy: 'rounded:2', visibility: 'public' } });
  const treeId = (await api.call('POST', '/v1/models', { key, body: tree })).body.id;
  const dataset = (await api.call('POST', '/v1/datasets?name=d.csv', { key, raw: 'a,b,label\n1,2,x\n2,1,y\n3,3,x\n4,0,y\n', contentType: 'text/csv' })).body.id;
  const ids = { model, tree: treeId, dataset };
  const routes: [string, string][] = [
    ['GET', '/v1/health'], ['POST', '/v1/owners'], ['POST', '/v1/keys'], ['POST', '/v1/datasets?name=f.csv'], ['POST', '/v1/models'], ['POST', '/v1/models?name=%00'],
    ['POST', '/v1/models/train'], ['GET', `/v1/models/${model}`], ['GET', '/v1/models'], ['POST', `/v1/models/${model}/predict`], ['POST', `/v1/models/${model}/predict`],
    ['POST', `/v1/models/${treeId}/predict`], ['POST', `/v1/models/${treeId}/publish`], ['POST', `/v1/models/${model}/publish`], ['POST', '/v1/models/m_nope/predict'],
    ['GET', '/v1/jobs/job_nope'], ['GET', '/v1/usage'], ['GET', '/v1/../etc/passwd'], ['POST', '/v2/models/x/infer'], ['GET', '/'],
    ['GET', '/v1/jobs'], ['GET', '/v1/jobs/job_nope/report.html'], ['POST', '/v1/models/m_nope/audit'], ['GET', '/dashboard.js'],
  ];
  const statuses = new Map<number, number>();
  const answeredRows = new Map<string | undefined, number>();
  for (let i = 0; i < 1500; i++) {
    const [routeMethod, path] = routes[rng.int(routes.length)];
    const method = rng.uniform() < 0.85 ? routeMethod : ['GET', 'POST', 'PUT', 'DELETE'][rng.int(4)];
    const auth = [key, key, key, other, TEST_ADMIN_TOKEN, 'tl_bogus', undefined][rng.int(7)];
    const raw = method === 'GET' ? undefined : randomBody(rng, ids);
    const response = await api.call(method, path, { key: auth, raw, contentType: ['application/json', 'text/csv', 'application/octet-stream'][rng.int(3)] });
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const where = `${method} ${path} ${String(raw).slice(0, 120)}`;
    assert.ok(response.status < 500, `${response.status} for ${where}: ${JSON.stringify(response.body)}`);
    if (response.status >= 400) {
      assert.equal(typeof response.body?.error?.code, 'string', where);
      assert.ok(response.body.error.message.length > 10, where);
    } else if (path.endsWith('/predict')) {
      answeredRows.set(auth, (answeredRows.get(auth) ?? 0) + response.body.queries);
    }
  }
  const usage = (await api.call('GET', '/v1/usage', { key })).body;
  assert.equal(usage.totals.queries, answeredRows.get(key), 'the ledger holds exactly the rows answered to each key');
  assert.equal((await api.call('GET', '/v1/usage', { key: other })).body.totals.queries, answeredRows.get(other) ?? 0);
  assert.ok(usage.account.used <= 500, 'the budget held');
  assert.equal((await api.call('GET', '/v1/health')).status, 200);
  assert.ok((statuses.get(200) ?? 0) > 100 && (statuses.get(400) ?? 0) > 200, `a mix of answers: ${JSON.stringify([...statuses])}`);
  await api.close();
});
