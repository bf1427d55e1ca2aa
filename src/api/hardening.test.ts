/**
 * The API under abuse (issue 13): each numbered case of the report is a test here. No request
 * may hang, crash or starve the server, and no key may escape its budget.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { createMatrix } from '../math/matrix.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { modelFromJson } from '../models/registry.ts';
import { answerRows } from '../oracle/policy.ts';
import { cnnFile, mlpFile, treeFile } from '../testing/model-files.ts';
import { testApi } from '../testing/api.ts';
import { LruCache } from './lru-cache.ts';
import { RateLimiter } from './rate-limiter.ts';

const iris = loadIrisEmbedded();
const softmax = new LinearClassifierTrainer('softmax').fitSync(iris).toJSON();
const row = [5.1, 3.5, 1.4, 0.2];

async function ownerWithModel(options = {}, file: unknown = softmax) {
  const api = testApi(options);
  const key = await api.owner('owner');
  const upload = await api.call('POST', '/v1/models', { key, body: file });
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  return { api, key, model: upload.body.id as string };
}

test('1. a tree whose node points back to itself, shares a child or leaves one unreachable is refused at upload', async () => {
  const api = testApi();
  const key = await api.owner('owner');
  const cases: [string, (nodes: Record<string, unknown>[]) => void, RegExp][] = [
    ['self loop', (nodes) => Object.assign(nodes[0], { left: 0, right: 0 }), /reached twice|node 0/],
    ['shared child', (nodes) => Object.assign(nodes[0], { left: 1, right: 1 }), /reached twice/],
    ['back edge', (nodes) => Object.assign(nodes[2], { split: { kind: 'numeric', feature: 1, threshold: 0 }, left: 0, right: 1 }), /reached twice/],
    ['unreachable node', (nodes) => nodes.push({ id: 3, depth: 1, counts: [1, 1] }), /not reachable/],
  ];
  for (const [name, breakIt, message] of cases) {
    const file = structuredClone(treeFile()) as unknown as { nodes: Record<string, unknown>[] };
    breakIt(file.nodes);
    const response = await api.call('POST', '/v1/models', { key, body: file });
    assert.equal(response.status, 400, name);
    assert.equal(response.body.error.code, 'validation', name);
    assert.match(response.body.error.message, message, name);
  }
  assert.deepEqual((await api.call('GET', '/v1/models', { key })).body.models, [], 'nothing was stored');
});

test('2. a CSV upload past the row or cell limit is refused while it streams, and one within is counted', async () => {
  const api = testApi({ limits: { maxUploadRows: 1000, maxUploadCells: 2000 } });
  const key = await api.owner('owner');
  const csv = (rows: number, cols: number) => [Array.from({ length: cols }, (_, j) => `c${j}`).join(','), ...Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i + j) % 7).join(','))].join('\n');
  const tooManyRows = await api.call('POST', '/v1/datasets?name=rows.csv', { key, raw: csv(1500, 1), contentType: 'text/csv' });
  assert.equal(tooManyRows.status, 422);
  assert.equal(tooManyRows.body.error.code, 'limit-exceeded');
  assert.match(tooManyRows.body.error.message, /maxUploadRows/);
  const tooManyCells = await api.call('POST', '/v1/datasets?name=cells.csv', { key, raw: csv(500, 5), contentType: 'text/csv' });
  assert.equal(tooManyCells.status, 422);
  assert.match(tooManyCells.body.error.message, /maxUploadCells/);
  const fine = await api.call('POST', '/v1/datasets?name=fine.csv', { key, raw: csv(400, 5), contentType: 'text/csv' });
  assert.equal(fine.status, 201);
  assert.equal(fine.body.rows, 400);
  assert.deepEqual(fine.body.columns, ['c0', 'c1', 'c2', 'c3', 'c4']);
  const ragged = await api.call('POST', '/v1/datasets?name=ragged.csv', { key, raw: 'a,b\n1,2\n3\n', contentType: 'text/csv' });
  assert.equal(ragged.status, 400);
  assert.equal(ragged.body.error.code, 'ragged-row');
  const big = await testApi().owner('x');
  assert.ok(big.length > 0);
});

test('2b. a 31 MiB CSV of tiny cells is refused by the default cell limit without building a table', async () => {
  const api = testApi();
  const key = await api.owner('owner');
  const line = Array.from({ length: 100 }, () => '1').join(',');
  const body = [Array.from({ length: 100 }, (_, j) => `c${j}`).join(','), ...Array.from({ length: 165_000 }, () => line)].join('\n');
  assert.ok(body.length > 31 * 2 ** 20);
  const response = await api.call('POST', '/v1/datasets?name=huge.csv', { key, raw: body, contentType: 'text/csv' });
  assert.equal(response.status, 422);
  assert.match(response.body.error.message, /maxUploadCells/);
});

test('3. records with unknown keys are refused before any table is built', async () => {
  const { api, key, model } = await ownerWithModel();
  const records = Array.from({ length: 10_000 }, (_, i) => ({ [`k${i}`]: i }));
  const response = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { records } });
  assert.equal(response.status, 400);
  assert.match(response.body.error.message, /records\[0\]\.k0/);
  assert.deepEqual(api.store.ledgerIds(), []);
});

test('4. training parameters over the limits are refused with the limit named; a job past its time is stopped', async () => {
  const api = testApi({ limits: { jobSeconds: 2, maxModelParameters: 500 } });
  const key = await api.owner('owner');
  const csv = ['a,b,c,label', ...Array.from({ length: 3000 }, (_, i) => `${i % 17},${(i * 7) % 13},${(i * 3) % 11},${i % 2 ? 'y' : 'n'}`)].join('\n');
  const dataset = (await api.call('POST', '/v1/datasets?name=d.csv', { key, raw: csv, contentType: 'text/csv' })).body.id;
  const train = (model: string, params: Record<string, unknown>) => api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset, target: 'label', model, params } });
  for (const [params, limit] of [[{ epochs: 1_000_000 }, 'maxEpochs'], [{ hidden: '20000,20000' }, 'maxHiddenUnits']] as const) {
    const refused = await train('mlp', params);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, new RegExp(limit));
  }
  const tooWide = await api.waitForJob(key, (await train('mlp', { hidden: '256' })).body.id);
  assert.equal(tooWide.status, 'failed');
  assert.equal(tooWide.error.code, 'limit-exceeded');
  assert.match(tooWide.error.message, /maxModelParameters/);
  const slow = await train('mlp', { hidden: '8', epochs: 500, patience: 0, batchSize: 1 });
  assert.equal(slow.status, 202);
  const stopped = await api.waitForJob(key, slow.body.id);
  assert.equal(stopped.status, 'failed');
  assert.match(stopped.error.message, /jobSeconds/);
  const after = await api.waitForJob(key, (await train('tree', { maxDepth: 3 })).body.id);
  assert.equal(after.status, 'succeeded', `a fresh worker takes the next job: ${JSON.stringify(after)}`);
  assert.ok(after.modelId);
  await api.close();
});

test('4c. a running or queued job is cancelled: its worker stops, nothing is stored, the next job runs; an ended one is a conflict', async () => {
  const api = testApi();
  const key = await api.owner('owner');
  const csv = ['a,b,c,label', ...Array.from({ length: 3000 }, (_, i) => `${i % 17},${(i * 7) % 13},${(i * 3) % 11},${i % 2 ? 'y' : 'n'}`)].join('\n');
  const dataset = (await api.call('POST', '/v1/datasets?name=d.csv', { key, raw: csv, contentType: 'text/csv' })).body.id;
  const train = (model: string, params: Record<string, unknown>) => api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset, target: 'label', model, params } });
  const slow = (await train('mlp', { hidden: '8', epochs: 500, patience: 0, batchSize: 1 })).body.id;
  const queued = (await train('tree', { maxDepth: 3 })).body.id; // one training worker: this one waits
  for (let i = 0; i < 400 && (await api.call('GET', `/v1/jobs/${slow}`, { key })).body.status !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  const stranger = await api.owner('stranger');
  assert.equal((await api.call('POST', `/v1/jobs/${slow}/cancel`, { key: stranger })).status, 404, "another owner's job is not found");
  for (const id of [queued, slow]) {
    const cancelled = await api.call('POST', `/v1/jobs/${id}/cancel`, { key });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.error.code, 'cancelled');
  }
  const after = await api.waitForJob(key, (await train('tree', { maxDepth: 2 })).body.id, 20_000);
  assert.equal(after.status, 'succeeded', `the stopped worker's place is taken at once: ${JSON.stringify(after)}`);
  for (const id of [queued, slow]) {
    const job = (await api.call('GET', `/v1/jobs/${id}`, { key })).body;
    assert.deepEqual([job.status, job.modelId], ['cancelled', null]);
  }
  const again = await api.call('POST', `/v1/jobs/${after.id}/cancel`, { key });
  assert.equal(again.status, 409);
  assert.match(again.body.error.message, /ended already \(succeeded\)/);
  assert.equal(api.store.activeJobs(), 0, 'no job is left queued or running');
  await api.close();
});

test('4b. a large predict runs on a worker with the same answers while the request thread keeps answering; one over the compute limit is refused', async () => {
  const file = mlpFile([200, 256, 256, 10], 7);
  const { api, key, model } = await ownerWithModel({ limits: { inlinePredictCompute: 1000, maxPredictCompute: 5e7 } }, file);
  const rows = Array.from({ length: 400 }, (_, i) => Array.from({ length: 200 }, (_, j) => ((i * 31 + j * 17) % 100) / 100));
  const heavy = api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows } });
  let heavyDone = false;
  void heavy.then(() => (heavyDone = true));
  const health = await api.call('GET', '/v1/health');
  assert.equal(health.status, 200);
  assert.equal(heavyDone, false, 'the health check was answered while the prediction was still running');
  const answered = await heavy;
  assert.equal(answered.status, 200, JSON.stringify(answered.body).slice(0, 300));
  const local = answerRows(modelFromJson(file), { kind: 'full' }, createMatrix(400, 200, Float64Array.from(rows.flat())));
  assert.deepEqual(answered.body.answers, local);
  const tooMuch = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: [...rows, ...rows.slice(0, 100)] } });
  assert.equal(tooMuch.status, 422);
  assert.match(tooMuch.body.error.message, /maxPredictCompute/);
  assert.equal(api.store.ledgerIds().length, 1, 'only the answered request is billed');
  await api.close();
});

test('6. keys: none without a key, none past the account, key creation is rate-limited, and a sibling shares the account budget', async () => {
  const api = testApi({ limits: { keyCreationsPerMinute: 5 } });
  const anonymous = await api.call('POST', '/v1/keys', { body: { budget: 1e9 } });
  assert.equal(anonymous.status, 401);
  const key = await api.owner('small', { budget: 10, rateLimit: 50 });
  const overBudget = await api.call('POST', '/v1/keys', { key, body: { budget: 1e9 } });
  assert.equal(overBudget.status, 400);
  assert.match(overBudget.body.error.message, /account's budget of 10/);
  const overRate = await api.call('POST', '/v1/keys', { key, body: { rateLimit: 1000 } });
  assert.equal(overRate.status, 400);
  const model = (await api.call('POST', '/v1/models', { key, body: softmax })).body.id;
  const spend = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: Array.from({ length: 10 }, () => row) } });
  assert.equal(spend.status, 200);
  const sibling = await api.call('POST', '/v1/keys', { key, body: {} });
  assert.equal(sibling.status, 201);
  const escaped = await api.call('POST', `/v1/models/${model}/predict`, { key: sibling.body.key, body: { rows: [row] } });
  assert.equal(escaped.status, 402, 'a sibling key shares the spent account budget');
  assert.match(escaped.body.error.message, /account's query budget/);
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await api.call('POST', '/v1/keys', { key, body: {} })).status);
  assert.deepEqual(statuses, [201, 201, 429], 'the sixth key request in a minute waits');
  assert.equal(api.store.ledgerIds().length, 1);

  // An unlimited account whose operator handed out a key of 5 rows: that key cannot mint a freer one.
  const open = await api.owner('open');
  const limited = api.store.createKey({ ownerId: api.store.findKey(open)!.ownerId, budget: 5, rateLimit: 100 }).key;
  const openModel = (await api.call('POST', '/v1/models', { key: open, body: softmax })).body.id;
  assert.equal((await api.call('POST', `/v1/models/${openModel}/predict`, { key: limited, body: { rows: [row, row, row, row, row] } })).status, 200);
  assert.equal((await api.call('POST', '/v1/keys', { key: limited, body: { budget: 1000 } })).status, 400);
  assert.equal((await api.call('POST', '/v1/keys', { key: limited, body: { rateLimit: 1000 } })).status, 400);
  const child = await api.call('POST', '/v1/keys', { key: limited, body: {} });
  assert.deepEqual([child.status, child.body.budget, child.body.rateLimit], [201, 0, 100], 'a minted key inherits what is left');
  assert.equal((await api.call('POST', `/v1/models/${openModel}/predict`, { key: child.body.key, body: { rows: [row] } })).status, 402);
});

test('7. owner names are unique and owners are the operator\'s to create', async () => {
  const api = testApi();
  assert.equal((await api.call('POST', '/v1/owners', { body: { name: 'carol' } })).status, 401, 'no admin token');
  assert.equal((await api.call('POST', '/v1/owners', { key: 'wrong', body: { name: 'carol' } })).status, 401);
  await api.owner('carol');
  const again = await api.call('POST', '/v1/owners', { key: 'test-admin-token', body: { name: 'carol' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'conflict');
  const closed = testApi({ adminToken: undefined });
  const refused = await closed.call('POST', '/v1/owners', { key: 'anything', body: { name: 'dave' } });
  assert.equal(refused.status, 403);
  assert.match(refused.body.error.message, /threatlab owners create/);
});

test('8. a rate limit has a floor, and a slow one still lets a request through with a finite Retry-After', async () => {
  const clock = { now: 0 };
  const api = testApi({ limiter: new RateLimiter(() => clock.now) });
  for (const rateLimit of [1e-300, 5e-324, 0]) {
    const response = await api.call('POST', '/v1/owners', { key: 'test-admin-token', body: { name: `r${rateLimit}`, rateLimit } });
    assert.equal(response.status, 400, String(rateLimit));
  }
  const key = await api.owner('slow', { rateLimit: 0.01 });
  assert.equal((await api.call('GET', '/v1/models', { key })).status, 200, 'a rate below 1 per second is not locked');
  const second = await api.call('GET', '/v1/models', { key });
  assert.equal(second.status, 429);
  assert.equal(second.body.error.code, 'rate-limited');
  assert.equal(second.headers.get('retry-after'), '100');
  clock.now += 100_000;
  assert.equal((await api.call('GET', '/v1/models', { key })).status, 200);
});

test('9. prices are integer micro-units with a maximum: 0.1 × 3 rows costs exactly 0.3', async () => {
  const { api, key, model } = await ownerWithModel();
  for (const price of [1e308, 1001, -1, 0.0000001]) {
    const refused = await api.call('POST', `/v1/models/${model}/publish`, { key, body: { price, policy: 'full' } });
    assert.equal(refused.status, 400, String(price));
  }
  assert.equal((await api.call('POST', `/v1/models/${model}/publish`, { key, body: { price: 0.1, policy: 'full' } })).status, 200);
  const answer = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: [row, row, row] } });
  assert.equal(answer.body.cost, 0.3);
  assert.equal(answer.body.costMicros, 300_000);
  const usage = (await api.call('GET', '/v1/usage', { key })).body.totals;
  assert.equal(usage.cost, 0.3);
});

test('10. models with broken numbers are refused at upload', async () => {
  const api = testApi();
  const key = await api.owner('owner');
  const mlp = mlpFile([4, 3, 3]) as unknown as { layers: Record<string, unknown>[] };
  const broken: [string, unknown, RegExp][] = [
    ['CNN kernel larger than the image', { ...cnnFile(), convolutions: [{ kernelSize: 9, inputChannels: 1, filters: 1, weights: Array(81).fill(0.1), biases: [0] }] }, /kernel must fit/],
    ['dense layer with no weights', { ...mlp, layers: [{ ...mlp.layers[0], weights: [] }, mlp.layers[1]] }, /weights/],
    ['tree with all-zero counts', { ...treeFile(), nodes: treeFile().kind === 'tree' ? [{ id: 0, depth: 0, counts: [0, 0] }] : [] }, /positive number of training rows/],
    ['MLP ending in linear', { ...mlp, layers: [mlp.layers[0], { ...mlp.layers[1], activation: 'linear' }] }, /must end in softmax/],
    ['schema narrower than the weights', { ...softmax, schema: { features: softmax.schema.features.slice(1) } }, /schema describes 3/],
    ['infinite weight (1e999)', JSON.stringify(softmax).replace(/"biases":\[[^\]]*\]/, '"biases":[1e999,0,0]'), /biases/],
  ];
  for (const [name, file, message] of broken) {
    const response = await api.call('POST', '/v1/models', { key, ...(typeof file === 'string' ? { raw: file } : { body: file }) });
    assert.equal(response.status, 400, name);
    assert.match(response.body.error.message, message, name);
  }
  assert.deepEqual((await api.call('GET', '/v1/models', { key })).body.models, []);
  for (const sound of [cnnFile(), treeFile(), mlpFile([4, 3, 3])]) assert.equal((await api.call('POST', '/v1/models', { key, body: sound })).status, 201);
});

test('11. output policies parse strictly', async () => {
  const { api, key, model } = await ownerWithModel();
  for (const policy of ['rounded:', 'rounded:0x4', 'rounded: 4', 'rounded:4:5', ' full', 'full:1', 'top-k:0', 'rounded:16', 'label:2']) {
    const response = await api.call('POST', `/v1/models/${model}/publish`, { key, body: { price: 0, policy } });
    assert.equal(response.status, 400, policy);
  }
  for (const policy of ['full', 'rounded:4', 'label-only', 'top-k:2']) {
    assert.equal((await api.call('POST', `/v1/models/${model}/publish`, { key, body: { price: 0, policy } })).status, 200, policy);
  }
});

test('12. a spent budget (402) and a rate limit (429) are told apart; the model cache is bounded by bytes', async () => {
  const clock = { now: 0 };
  const api = testApi({ limiter: new RateLimiter(() => clock.now) });
  const key = await api.owner('both', { budget: 1, rateLimit: 1 });
  const model = (await api.call('POST', '/v1/models', { key, body: softmax })).body.id;
  clock.now += 1000;
  assert.equal((await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: [row] } })).status, 200);
  clock.now += 1000;
  const spent = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: [row] } });
  assert.deepEqual([spent.status, spent.body.error.code, spent.headers.get('retry-after')], [402, 'budget-exceeded', null]);
  const limited = await api.call('POST', `/v1/models/${model}/predict`, { key, body: { rows: [row] } });
  assert.deepEqual([limited.status, limited.body.error.code, limited.headers.get('retry-after')], [429, 'rate-limited', '1']);

  const cache = new LruCache<string, string>(100);
  for (let i = 0; i < 10; i++) cache.set(`m${i}`, 'x', 30);
  assert.ok(cache.size <= 100);
  assert.equal(cache.count, 3);
  assert.equal(cache.get('m0'), undefined, 'the least recently used went first');
  cache.set('huge', 'x', 101);
  assert.equal(cache.get('huge'), undefined, 'an entry larger than the cache is not kept');
  // m7, m8, m9 are kept; m7 (the oldest) is read, so m8 goes when m10 comes, then m9 and m7.
  assert.equal(cache.get('m7'), 'x');
  cache.set('m10', 'x', 30);
  assert.deepEqual(['m7', 'm8', 'm9', 'm10'].map((key) => cache.get(key) !== undefined), [true, false, true, true]);
  cache.set('m11', 'x', 60);
  assert.equal(cache.size, 90);
  assert.deepEqual(['m7', 'm9', 'm10', 'm11'].map((key) => cache.get(key) !== undefined), [false, false, true, true], 'every entry read once, the oldest go first');
});
