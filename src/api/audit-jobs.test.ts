/**
 * Audits as server jobs: a model the server trained is audited on its true members (the
 * training job's split rebuilt), an uploaded one without them (and says so); the report is the
 * owner's alone.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testApi } from '../testing/api.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test("an audit job of a server-trained model judges membership on the training job's own split; the report is the owner's", async () => {
  const api = testApi();
  try {
    const key = await api.owner('alice');
    // The owner's data: Adult rows without a missing cell (a softmax needs every feature).
    const csv = readFileSync(join(fixtures, 'adult-population.csv'), 'utf8').split('\n').filter((line) => !line.split(',').includes('?')).join('\n');
    const dataset = await api.call('POST', '/v1/datasets?name=adult.csv', { key, raw: csv, contentType: 'text/csv' });
    assert.equal(dataset.status, 201, JSON.stringify(dataset.body));
    const trained = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'income', model: 'softmax', testFraction: 0.3, seed: 7 } });
    const training = await api.waitForJob(key, trained.body.id);
    assert.equal(training.status, 'succeeded', JSON.stringify(training.error));
    const model = training.modelId;
    const { trainRows, testRows } = training.result;
    const started = await api.call('POST', `/v1/models/${model}/audit`, { key, body: { sensitive: ['sex'], quick: true } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const job = await api.waitForJob(key, started.body.id, 180_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.equal(job.progress, 1);
    assert.deepEqual(job.result.verdicts.map((v: { threat: string }) => v.threat), ['extraction', 'inversion', 'membership']);
    assert.deepEqual(job.result.policies, ['full', 'rounded:2', 'label-only']);
    const records = await api.api.app.request(`http://api.test${job.result.records}`, { headers: { authorization: `Bearer ${key}` } });
    const report = JSON.parse(await records.text());
    // Half the held-out rows are judged non-members against as many training rows; the other half are the attacker's.
    const judged = Math.floor(testRows / 2);
    assert.equal(report.membership.assumption, `members: ${judged} of the ${trainRows} rows the server trained this model on (the training job's split, rebuilt); non-members: ${judged} held-out rows; shadow data: the other ${testRows - judged} held-out rows`);
    assert.equal(report.extraction.results[0].attack, 'equation-solving');
    assert.equal(report.extraction.results[0].agreement, 1, 'full scores of a softmax: an exact copy');
    assert.equal(report.inversion.runs[0].people, judged);
    const page = await api.api.app.request(`http://api.test${job.result.report}`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await page.text(), /<h1>Is this model at risk\?<\/h1>/);
    const mallory = await api.owner('mallory');
    const stolen = await api.call('GET', `/v1/jobs/${job.id}/report.json`, { key: mallory });
    assert.equal(stolen.status, 404);
    const listed = await api.call('GET', '/v1/jobs', { key });
    assert.deepEqual(listed.body.jobs.map((j: { id: string }) => j.id), [job.id, trained.body.id], 'newest first');
  } finally {
    await api.close();
  }
});

test('an uploaded model is audited without members, and says why; bad requests are refused before any job', async () => {
  const api = testApi();
  try {
    const key = await api.owner('bob');
    const upload = await api.call('POST', '/v1/models?name=sklearn-iris', { key, raw: readFileSync(join(fixtures, 'iris-softmax.json'), 'utf8') });
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const started = await api.call('POST', `/v1/models/${upload.body.id}/audit`, { key, body: { threats: ['extraction', 'membership'], policies: ['full', 'label-only'] } });
    const job = await api.waitForJob(key, started.body.id, 120_000);
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    assert.deepEqual(job.result.verdicts.map((v: { threat: string }) => v.threat), ['extraction']);
    assert.match(job.result.skipped[0].reason, /^this model was uploaded, so the server does not know its training rows/);
    const badPolicy = await api.call('POST', `/v1/models/${upload.body.id}/audit`, { key, body: { policies: ['blurry'] } });
    assert.equal(badPolicy.status, 400);
    assert.match(badPolicy.body.error.message, /"blurry"; use full, rounded:K/);
    const notMine = await api.call('POST', `/v1/models/${upload.body.id}/audit`, { key: await api.owner('eve'), body: {} });
    assert.equal(notMine.status, 404);
    assert.equal((await api.call('GET', '/v1/jobs', { key })).body.jobs.length, 1);
  } finally {
    await api.close();
  }
});
