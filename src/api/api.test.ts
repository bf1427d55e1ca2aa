import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { testApi } from '../testing/api.ts';
import { RateLimiter } from './rate-limiter.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMatrix } from '../math/matrix.ts';
import { modelFromJson } from '../models/registry.ts';
import { saveLayersModel } from '../models/neural/layers-format.ts';
import type { Mlp } from '../models/neural/mlp.ts';
import { mlpFile } from '../testing/model-files.ts';

const iris = loadIrisEmbedded();
const softmaxJson = new LinearClassifierTrainer('softmax').fitSync(iris).toJSON();
const treeJson = new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(iris).toJSON();
const row = [5.1, 3.5, 1.4, 0.2];

async function setup(options = {}) {
  const api = testApi(options);
  const alice = await api.owner('alice');
  const bob = await api.owner('bob', { budget: 5 });
  const model = (await api.call('POST', '/v1/models?name=iris', { key: alice, body: softmaxJson })).body.id as string;
  return { api, alice, bob, model };
}

test('create a key, upload, publish, read info, predict, read usage', async () => {
  const { api, alice, bob, model } = await setup();
  const published = await api.call('POST', `/v1/models/${model}/publish`, { key: alice, body: { price: 0.002, policy: 'rounded:3', visibility: 'public' } });
  assert.equal(published.status, 200);
  assert.deepEqual(published.body.policy, { kind: 'rounded', decimals: 3 });
  const info = await api.call('GET', `/v1/models/${model}`, { key: bob });
  assert.equal(info.status, 200);
  assert.deepEqual(info.body.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(info.body.reveals, 'scores');
  assert.equal(info.body.price, 0.002);
  assert.equal(info.body.schema.features[0].name, 'sepal length');
  const answer = await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { rows: [row, row] } });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.queries, 2);
  assert.ok(Math.abs(answer.body.cost - 0.004) < 1e-12);
  assert.equal(answer.body.answers[0].kind, 'scores');
  assert.equal(answer.body.answers[0].label, 0);
  answer.body.answers[0].probabilities.forEach((p: number) => assert.equal(p, Math.round(p * 1000) / 1000));
  const records = await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { records: [{ 'sepal length': 5.1, 'sepal width': '3.5', 'petal length': 1.4, 'petal width': 0.2 }] } });
  assert.deepEqual(records.body.answers, [answer.body.answers[0]]);
  const usage = await api.call('GET', '/v1/usage', { key: bob });
  assert.deepEqual(usage.body.totals, { requests: 2, queries: 3, cost: 0.006, costMicros: 6000 });
  assert.deepEqual(usage.body.account, { budget: 5, used: 3, rateLimit: null, keys: 1 });
  const ownersView = (await api.call('GET', '/v1/usage', { key: alice })).body;
  assert.deepEqual(ownersView.modelTotals, { requests: 2, queries: 3, cost: 0.006, costMicros: 6000 }, "the model's owner sees every key's usage of it");
  assert.equal(ownersView.models[0].owner, 'bob');
  assert.equal(usage.body.usage[0].modelId, model);
  assert.equal((await api.call('GET', '/v1/usage', { key: alice })).body.totals.queries, 0);
});

test('keys are stored hashed and never come back', async () => {
  const { api, alice, model } = await setup();
  const listing = JSON.stringify((await api.call('GET', '/v1/models', { key: alice })).body) + JSON.stringify((await api.call('GET', '/v1/usage', { key: alice })).body) + JSON.stringify((await api.call('GET', `/v1/models/${model}`, { key: alice })).body);
  assert.ok(!listing.includes(alice));
  const record = api.store.findKey(alice)!;
  assert.equal(record.prefix, alice.slice(0, 7));
  const second = await api.call('POST', '/v1/keys', { key: alice, body: {} });
  assert.equal((await api.call('POST', '/v1/keys', { body: {} })).status, 401, 'keys are not minted without a key');
  assert.equal(second.status, 201);
  assert.equal(api.store.findKey(second.body.key)!.ownerId, record.ownerId, 'an authenticated key request adds a key to the same owner');
});

test('a private model is invisible and unqueryable with another owner\'s key', async () => {
  const { api, alice, bob, model } = await setup();
  assert.equal((await api.call('GET', `/v1/models/${model}`, { key: alice })).status, 200);
  for (const [method, path, body] of [['GET', `/v1/models/${model}`, undefined], ['POST', `/v1/models/${model}/predict`, { rows: [row] }]] as const) {
    const refused = await api.call(method, path, { key: bob, body });
    assert.equal(refused.status, 404);
    assert.equal(refused.body.error.code, 'not-found');
  }
  assert.deepEqual((await api.call('GET', '/v1/models', { key: bob })).body.models, []);
  const publishByBob = await api.call('POST', `/v1/models/${model}/publish`, { key: bob, body: { price: 0, policy: 'full' } });
  assert.equal(publishByBob.status, 404);
  assert.deepEqual(api.store.ledgerIds(), []);
});

test('bad requests get a JSON error with code and status, and write nothing to the ledger', async () => {
  const { api, alice, bob, model } = await setup({ limits: { maxBodyBytes: 2000 } });
  await api.call('POST', `/v1/models/${model}/publish`, { key: alice, body: { price: 1, policy: 'full', visibility: 'public' } });
  const cases: [string, Parameters<typeof api.call>[2], number, string][] = [
    ['malformed JSON', { key: bob, raw: '{"rows": [[1, 2' }, 400, 'parse-error'],
    ['NaN is not JSON', { key: bob, raw: '{"rows": [[NaN, 1, 2, 3]]}' }, 400, 'parse-error'],
    ['Infinity (1e999)', { key: bob, raw: '{"rows": [[1e999, 1, 2, 3]]}' }, 400, 'validation'],
    ['wrong row length', { key: bob, body: { rows: [[1, 2, 3]] } }, 400, 'validation'],
    ['a string among the numbers', { key: bob, body: { rows: [row, [1, '2', 3, 4]] } }, 400, 'validation'],
    ['a row that is not an array', { key: bob, body: { rows: [5] } }, 400, 'validation'],
    ['missing value for a non-tree', { key: bob, body: { rows: [[null, 1, 2, 3]] } }, 400, 'validation'],
    ['unknown field', { key: bob, body: { rows: [row], extra: 1 } }, 400, 'validation'],
    ['unknown feature in a record', { key: bob, body: { records: [{ colour: 'red' }] } }, 400, 'validation'],
    ['oversized body', { key: bob, body: { rows: Array.from({ length: 200 }, () => row) } }, 413, 'payload-too-large'],
    ['missing key', {}, 401, 'unauthorized'],
    ['wrong key', { key: 'tl_not-a-key' }, 401, 'unauthorized'],
  ];
  for (const [name, options, status, code] of cases) {
    const response = await api.call('POST', `/v1/models/${model}/predict`, options);
    assert.equal(response.status, status, name);
    assert.equal(response.body.error.code, code, name);
    assert.ok(response.body.error.message.length > 10, name);
  }
  // The rows are checked in one loop: the error still names the value's place.
  const stringy = await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { rows: [row, [1, '2', 3, 4]] } });
  assert.deepEqual(stringy.body.error.issues, [{ path: 'rows.1.1', message: 'expected a finite number or null, got "2"' }]);
  // A record's value that is no member of the record union (Infinity once parsed) is named at its place, not as the body's "Invalid input".
  const infinite = await api.call('POST', `/v1/models/${model}/predict`, { key: bob, raw: '{"records": [{"colour": 1e999}]}' });
  assert.equal(infinite.status, 400);
  assert.deepEqual(infinite.body.error.issues, [{ path: 'records.0.colour', message: 'expected string, number or null, received Infinity' }]);
  const unknown = await api.call('POST', '/v1/models/m_nope/predict', { key: bob, body: { rows: [row] } });
  assert.equal(unknown.status, 404);
  assert.deepEqual(api.store.ledgerIds(), [], 'no rejected request reached the ledger');
  // Bob's budget is 5 rows: 4 pass, the next 2 would exceed it.
  assert.equal((await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { rows: [row, row, row, row] } })).status, 200);
  const over = await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { rows: [row, row] } });
  assert.equal(over.status, 402, 'a spent budget is 402 Payment Required, not a rate limit');
  assert.equal(over.body.error.code, 'budget-exceeded');
  assert.equal(over.headers.get('retry-after'), null);
  assert.equal(api.store.ledgerIds().length, 1);
  assert.equal(api.store.queriesUsed(api.store.findKey(bob)!.id), 4);
  assert.equal((await api.call('POST', `/v1/models/${model}/predict`, { key: bob, body: { rows: [row] } })).status, 200, 'the last row of the budget still passes');
});

test('an unknown category in a record names the feature and the levels', async () => {
  const api = testApi();
  const key = await api.owner('shapes');
  const csv = ['colour,size,label', ...Array.from({ length: 40 }, (_, i) => `${['red', 'blue'][i % 2]},${i},${i % 2 ? 'b' : 'a'}`)].join('\n');
  const dataset = await api.call('POST', '/v1/datasets?name=shapes.csv', { key, raw: csv, contentType: 'text/csv' });
  assert.equal(dataset.status, 201);
  assert.equal(dataset.body.rows, 40);
  const queued = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'label', model: 'tree' } });
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const trained = { body: { id: (await api.waitForJob(key, queued.body.id)).modelId } };
  const job = await api.waitForJob(key, queued.body.id);
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  assert.equal(job.result.testAccuracy, 1);
  const bad = await api.call('POST', `/v1/models/${trained.body.id}/predict`, { key, body: { records: [{ colour: 'green', size: 3 }] } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'unknown-category');
  assert.match(bad.body.error.message, /"colour" is "green"/);
  const partial = await api.call('POST', `/v1/models/${trained.body.id}/predict`, { key, body: { records: [{ colour: 'red' }] } });
  assert.equal(partial.status, 200, 'trees answer partial records');
  assert.equal(partial.body.answers[0].kind, 'leaf');
  const badTrain = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'label', model: 'tree', params: { maxDepth: 0 } } });
  assert.equal(badTrain.status, 400);
  assert.match(badTrain.body.error.message, /maxDepth/);
  await api.close();
});

test('a training job on an uploaded CSV with a blank number: a tree trains; a model that needs every value fails naming the line and column, and no model is stored', async () => {
  const api = testApi();
  const key = await api.owner('gaps');
  const csv = ['size,weight,label', ...Array.from({ length: 40 }, (_, i) => `${i === 9 ? '' : i},${(i * 7) % 13},${i % 2 ? 'b' : 'a'}`)].join('\n');
  const dataset = await api.call('POST', '/v1/datasets?name=gaps.csv', { key, raw: csv, contentType: 'text/csv' });
  assert.equal(dataset.status, 201);
  const tree = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'label', model: 'tree' } });
  assert.equal((await api.waitForJob(key, tree.body.id)).status, 'succeeded');
  const modelsBefore = (await api.call('GET', '/v1/models', { key })).body.models.length;
  const logistic = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'label', model: 'logistic' } });
  assert.equal(logistic.status, 202);
  const job = await api.waitForJob(key, logistic.body.id);
  assert.equal(job.status, 'failed', JSON.stringify(job));
  assert.equal(job.error.code, 'missing-value');
  assert.equal(job.error.message, 'gaps.csv:11: feature "size" is missing; model "logistic" needs every value: fill it in or drop incomplete rows, or train a tree (trees take missing values)');
  assert.equal((await api.call('GET', '/v1/models', { key })).body.models.length, modelsBefore, 'no model stored');
  await api.close();
});

test('rate limits answer 429 with Retry-After; bad publications are refused', async () => {
  const clock = { now: 0 };
  const api = testApi({ limiter: new RateLimiter(() => clock.now) });
  const key = await api.owner('limited', { rateLimit: 3 });
  const model = (await api.call('POST', '/v1/models', { key, body: treeJson })).body.id;
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 4; i++) {
    const response = await api.call('GET', `/v1/models/${model}`, { key });
    statuses.push(response.status);
    if (response.status === 429) retryAfter = response.headers.get('retry-after');
  }
  // The upload took the first of 3 tokens; the bucket refills at 3 per second.
  assert.deepEqual(statuses.slice(0, 2), [200, 200]);
  assert.equal(statuses[3], 429);
  assert.equal(retryAfter, '1');
  clock.now += 1000;
  assert.equal((await api.call('GET', `/v1/models/${model}`, { key })).status, 200, 'a second later the bucket has refilled');
  const api2 = testApi();
  const owner = await api2.owner('owner');
  const id = (await api2.call('POST', '/v1/models', { key: owner, body: softmaxJson })).body.id;
  const badPolicy = await api2.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 1, policy: 'top-k:9' } });
  assert.equal(badPolicy.status, 400);
  const wrongKind = await api2.call('POST', '/v1/models', { key: owner, body: { kind: 'forest', format: 1 } });
  assert.equal(wrongKind.status, 400);
  assert.equal(wrongKind.body.error.code, 'validation');
});

test('a tfjs model (model.json and its weights in one body, with a model description) is accepted and answers as the file does', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-tfjs-api-'));
  const mlp = modelFromJson(mlpFile([4, 6, 3], 9)) as Mlp;
  await saveLayersModel(mlp, folder);
  const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  const weights = Object.fromEntries(manifest.weightsManifest.flatMap((group: { paths: string[] }) => group.paths).map((path: string) => [path, readFileSync(join(folder, path)).toString('base64')]));
  delete manifest.userDefinedMetadata;
  const description = { schema: iris.schema, classes: iris.classes };
  const api = testApi();
  const key = await api.owner('tfjs');
  const uploaded = await api.call('POST', '/v1/models?name=tfjs', { key, body: { tfjs: manifest, weights, description } });
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.deepEqual(uploaded.body.classes, iris.classes);
  assert.equal(uploaded.body.schema.features[0].name, 'sepal length');
  const answer = await api.call('POST', `/v1/models/${uploaded.body.id}/predict`, { key, body: { rows: [row] } });
  const local = mlp.predictProba(createMatrix(1, 4, Float64Array.from(row)));
  answer.body.answers[0].probabilities.forEach((p: number, c: number) => assert.ok(Math.abs(p - local.data[c]) < 1e-6));
  const badName = await api.call('POST', '/v1/models', { key, body: { tfjs: manifest, weights: { '../x.bin': 'AA==' } } });
  assert.equal(badName.status, 400);
  await api.close();
});
