/**
 * Predict rows sent as little-endian float64 bytes (`application/vnd.threatlab.rows+f64`): the same
 * answers and charges as the same rows in JSON, clear refusals that charge nothing, and HttpOracle
 * sending them where the server lists the format.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { loadCsv } from '../data/loaders/csv.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { loadModelFile } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { createMatrix } from '../math/matrix.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { testApi } from '../testing/api.ts';
import { HttpOracle } from './client.ts';
import { ROWS_F64 } from './protocol.ts';

const iris = loadIrisEmbedded();
const rows = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.1, 4.4, 1.4],
  [7.7, 2.6, 6.9, 2.3],
];

function f64(values: number[]): Uint8Array {
  const bytes = new Uint8Array(8 * values.length);
  values.forEach((value, k) => new DataView(bytes.buffer).setFloat64(8 * k, value, true));
  return bytes;
}

async function setup() {
  const api = testApi();
  const alice = await api.owner('alice');
  const upload = async (json: unknown) => (await api.call('POST', '/v1/models?name=iris', { key: alice, body: json })).body.id as string;
  const softmax = await upload(new LinearClassifierTrainer('softmax').fitSync(iris).toJSON());
  const tree = await upload(new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(iris).toJSON());
  const binary = async (model: string, body: Uint8Array) => {
    const response = await api.fetch(`http://api.test/v1/models/${model}/predict`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': ROWS_F64 }, body });
    return { status: response.status, body: JSON.parse(await response.text()) };
  };
  const queries = async () => (await api.call('GET', '/v1/usage', { key: alice })).body.totals.queries as number;
  return { api, alice, softmax, tree, binary, queries };
}

test('rows as float64 bytes get the same answers and charges as the same rows in JSON; the model info lists the format', async () => {
  const { api, alice, softmax, binary, queries } = await setup();
  const info = await api.call('GET', `/v1/models/${softmax}`, { key: alice });
  assert.deepEqual(info.body.rowFormats, ['application/json', ROWS_F64]);
  const json = await api.call('POST', `/v1/models/${softmax}/predict`, { key: alice, body: { rows } });
  const bytes = await binary(softmax, f64(rows.flat()));
  assert.equal(bytes.status, 200);
  assert.equal(bytes.body.queries, 3);
  assert.deepEqual(bytes.body.answers, json.body.answers);
  assert.equal(await queries(), 6);
  // A content type with parameters is the same format.
  const withParameter = await api.fetch(`http://api.test/v1/models/${softmax}/predict`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'content-type': `${ROWS_F64}; version=1` }, body: f64(rows[0]) });
  assert.equal(withParameter.status, 200);
});

test('float64 rows that are not whole rows, empty, infinite or missing where the model cannot take it are refused with the reason, and nothing is charged', async () => {
  const { softmax, tree, binary, queries } = await setup();
  const partial = await binary(softmax, f64([...rows[0], 1]));
  assert.equal(partial.status, 400);
  assert.match(partial.body.error.message, /40 bytes are not whole rows: the model takes 4 features, 32 bytes a row/);
  const empty = await binary(softmax, new Uint8Array(0));
  assert.equal(empty.status, 400);
  assert.match(empty.body.error.message, /0 bytes are not whole rows/);
  const infinite = await binary(softmax, f64([...rows[0], 1, 2, Infinity, 4]));
  assert.equal(infinite.status, 400);
  assert.match(infinite.body.error.message, /row 1, column 2 is infinite/);
  const missing = await binary(softmax, f64([5.1, NaN, 1.4, 0.2]));
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.message, /row 0, column 1 is NaN \(missing\); only tree models/);
  assert.equal(await queries(), 0);
  // A tree answers a row with a missing feature, as it does a JSON null.
  const treeAnswer = await binary(tree, f64([5.1, NaN, 1.4, 0.2]));
  assert.equal(treeAnswer.status, 200);
  assert.equal(treeAnswer.body.queries, 1);
});

test('float64 rows past the body limit are refused with 413 before they are read', async () => {
  const { softmax, binary } = await setup();
  const tooMany = await binary(softmax, new Uint8Array((1 << 20) + 32));
  assert.equal(tooMany.status, 413);
  assert.equal(tooMany.body.error.code, 'payload-too-large');
});

test('HttpOracle sends float64 rows where the server lists them, in requests under its limit, with the answers of JSON', async () => {
  const { api, alice, softmax } = await setup();
  const seen: string[] = [];
  const recording = async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') seen.push(String((init.headers as Record<string, string>)['content-type']));
    return api.fetch(url, init);
  };
  const matrix = createMatrix(7, 4, Float64Array.from({ length: 28 }, (_, k) => iris.features.data[k * 3]));
  // 100 bytes a request: three rows of 32 bytes each.
  const binaryOracle = await HttpOracle.connect('http://api.test', softmax, alice, recording, 100);
  assert.equal(binaryOracle.binaryRows, true);
  const viaBytes = await binaryOracle.query(matrix);
  assert.deepEqual(seen, [ROWS_F64, ROWS_F64, ROWS_F64]);
  seen.length = 0;
  const jsonOracle = await HttpOracle.connect('http://api.test', softmax, alice, recording, 1000, true);
  const viaJson = await jsonOracle.query(matrix);
  assert.ok(seen.every((type) => type === 'application/json'));
  assert.deepEqual(viaBytes, viaJson);
  assert.equal(viaBytes.length, 7);
});

test("HttpOracle splits a query of a narrow model's rows at the server's default row limit, in bytes and in JSON (12,000 iris rows fit one body but not one request)", async () => {
  const { api, alice, softmax } = await setup();
  let requests = 0;
  const counting = async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') requests++;
    return api.fetch(url, init);
  };
  const matrix = createMatrix(12_000, 4, Float64Array.from({ length: 48_000 }, (_, k) => iris.features.data[k % iris.features.data.length]));
  for (const json of [false, true]) {
    requests = 0;
    const oracle = await HttpOracle.connect('http://api.test', softmax, alice, counting, undefined, json);
    const answers = await oracle.query(matrix);
    assert.equal(answers.length, 12_000);
    assert.equal(requests, 2, `${json ? 'JSON' : 'bytes'}: two requests of at most 10,000 rows`);
  }
});

test("scikit-learn's digits MLP, uploaded and queried with the user's CSV rows as float64 bytes: the answers of JSON rows and of the model in this process", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const { api, alice } = await setup();
  const file = join(fixtures, 'digits-mlp.json');
  const uploaded = await api.call('POST', '/v1/models?name=digits', { key: alice, raw: readFileSync(file, 'utf8') });
  assert.equal(uploaded.status, 201);
  const table = loadCsv(join(fixtures, 'digits-non-members.csv'));
  const values = table.rows.map((row) => row.slice(0, -1).map(Number));
  const matrix = createMatrix(values.length, values[0].length, Float64Array.from(values.flat()));
  const bytes = await HttpOracle.connect('http://api.test', uploaded.body.id, alice, api.fetch);
  assert.equal(bytes.binaryRows, true);
  const json = await HttpOracle.connect('http://api.test', uploaded.body.id, alice, api.fetch, undefined, true);
  const local = new LocalOracle(loadModelFile(file) as Classifier);
  const [viaBytes, viaJson, here] = [await bytes.query(matrix), await json.query(matrix), await local.query(matrix)];
  assert.equal(viaBytes.length, values.length);
  assert.deepEqual(viaBytes, viaJson);
  assert.deepEqual(viaBytes, here);
});
