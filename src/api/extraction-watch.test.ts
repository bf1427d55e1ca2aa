/**
 * The server's extraction monitor on a model made outside threatlab (scikit-learn's digits MLP):
 * a benign key replaying held-out digits is never flagged; a key running line-search retraining
 * over HTTP is flagged within its first few hundred queries, then refused (403, charged nothing)
 * under `refuse`; the alert shows in the owner's usage, and the ledger holds exactly the answered
 * queries.
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EXTRACTION_ATTACKS } from '../attacks/extraction/index.ts';
import { runAttack } from '../attacks/runner.ts';
import { loadCsv } from '../data/loaders/csv.ts';
import { testApi } from '../testing/api.ts';
import { HttpOracle } from './client.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test('PRADA on the server: benign replay passes, line-search extraction is flagged, then refused; usage shows the alert', async () => {
  const api = testApi();
  const owner = await api.owner('owner');
  const id = (await api.call('POST', '/v1/models', { key: owner, body: JSON.parse(readFileSync(join(fixtures, 'digits-mlp.json'), 'utf8')) })).body.id as string;
  const bad = await api.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 0, policy: 'full', visibility: 'public', monitor: { action: 'shout' } } });
  assert.equal(bad.status, 400);
  const published = await api.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 0, policy: 'full', visibility: 'public', monitor: { action: 'refuse', threshold: 0.9 } } });
  assert.equal(published.status, 200, JSON.stringify(published.body));

  const benign = await api.owner('benign');
  const table = loadCsv(join(fixtures, 'digits-non-members.csv'));
  const rows = table.rows.map((row) => row.slice(0, -1).map(Number));
  for (let start = 0; start < rows.length; start += 50) {
    const answer = await api.call('POST', `/v1/models/${id}/predict`, { key: benign, body: { rows: rows.slice(start, start + 50) } });
    assert.equal(answer.status, 200, `benign request at ${start}: ${JSON.stringify(answer.body)}`);
  }

  const attacker = await api.owner('attacker');
  const record = await runAttack(EXTRACTION_ATTACKS.retraining, await HttpOracle.connect('http://api.test', id, attacker, api.fetch), { seed: 3, params: { strategy: 'line-search', queries: 2000 } });
  assert.notEqual(record.status, 'completed', 'the attack is cut off');
  const alerts = (await api.call('GET', '/v1/usage', { key: owner })).body.alerts as { detector: string; queries: number; keyPrefix: string; action: string }[];
  assert.equal(alerts.length, 1, JSON.stringify(alerts));
  assert.equal(alerts[0].detector, 'prada');
  assert.equal(alerts[0].action, 'refuse');
  assert.ok(alerts[0].queries <= 300, `flagged after ${alerts[0].queries} queries`);
  const usage = (await api.call('GET', '/v1/usage', { key: attacker })).body;
  assert.equal(usage.totals.queries, record.queries, 'the ledger holds exactly the answered queries');
  const refused = await api.call('POST', `/v1/models/${id}/predict`, { key: attacker, body: { rows: [rows[0]] } });
  assert.equal(refused.status, 403);
  assert.match(refused.body.error.message, /look like model extraction/);
  assert.equal((await api.call('GET', '/v1/usage', { key: attacker })).body.totals.queries, record.queries, 'a refused request is not charged');
  assert.equal((await api.call('GET', '/v1/usage', { key: benign })).body.totals.queries, rows.length);
});

test('with the owner\'s reference rows the monitor also flags uniform-query extraction (off-manifold) and alerts without refusing', async () => {
  const api = testApi();
  const owner = await api.owner('owner');
  const id = (await api.call('POST', '/v1/models', { key: owner, body: JSON.parse(readFileSync(join(fixtures, 'digits-mlp.json'), 'utf8')) })).body.id as string;
  const dataset = (await api.call('POST', '/v1/datasets?name=digits.csv', { key: owner, raw: readFileSync(join(fixtures, 'digits-population.csv'), 'utf8'), contentType: 'text/csv' })).body;
  const missing = await api.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 0, policy: 'full', visibility: 'public', monitor: { action: 'alert', referenceDatasetId: 'ds_nope' } } });
  assert.equal(missing.status, 404);
  const published = await api.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 0, policy: 'full', visibility: 'public', monitor: { action: 'alert', referenceDatasetId: dataset.id } } });
  assert.equal(published.status, 200, JSON.stringify(published.body));
  assert.equal(published.body.monitor, undefined, 'the reference rows are not shown to clients');

  const benign = await api.owner('benign');
  const rows = loadCsv(join(fixtures, 'digits-non-members.csv')).rows.map((row) => row.slice(0, -1).map(Number));
  const answer = await api.call('POST', `/v1/models/${id}/predict`, { key: benign, body: { rows } });
  assert.equal(answer.status, 200);

  const attacker = await api.owner('attacker');
  const record = await runAttack(EXTRACTION_ATTACKS.retraining, await HttpOracle.connect('http://api.test', id, attacker, api.fetch), { seed: 3, params: { strategy: 'uniform', queries: 650 } });
  assert.equal(record.status, 'completed', 'alert watches and records; it does not cut the attack off');
  const alerts = (await api.call('GET', '/v1/usage', { key: owner })).body.alerts as { detector: string; queries: number; keyPrefix: string }[];
  assert.equal(alerts.length, 1, JSON.stringify(alerts));
  assert.equal(alerts[0].detector, 'off-manifold');
  assert.ok(alerts[0].queries <= 100, `flagged after ${alerts[0].queries} queries`);
});
