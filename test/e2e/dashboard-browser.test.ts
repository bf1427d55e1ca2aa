/**
 * The owner's dashboard in a real browser (headless Debian Chromium through playwright-core),
 * against a real server on a loopback port: sign in with a key, see the model the server trained,
 * watch another client's predictions appear in the ledger, start an audit, follow its progress
 * and open its report. Screenshots are saved under test-output/browser/dashboard.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/api/listen.ts';
import { launchBrowser, screenshotFolder, watchedPage } from '../../src/testing/browser.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sklearn');

test('an owner signs in, sees a model and its ledger grow, starts an audit and opens its report', async () => {
  const server = await startServer({ db: join(mkdtempSync(join(tmpdir(), 'threatlab-dashboard-')), 'service.sqlite'), port: 0 });
  const browser = await launchBrowser();
  const shots = screenshotFolder('dashboard');
  try {
    const alice = server.store.createOwner({ name: 'alice' });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
    const call = async (path: string, key: string, body?: unknown, contentType = 'application/json'): Promise<any> => {
      const response = await fetch(`${server.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return response.json();
    };
    // Alice's data (Adult rows without missing cells) and a softmax the server trains on it.
    const lines = readFileSync(join(fixtures, 'adult-population.csv'), 'utf8').trim().split('\n').filter((line) => !line.split(',').includes('?'));
    const dataset = await call('/v1/datasets?name=adult.csv', alice.key, lines.join('\n'), 'text/csv');
    const trained = await call('/v1/models/train', alice.key, { datasetId: dataset.id, target: 'income', model: 'softmax', name: 'income softmax' });
    let job = trained;
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await call(`/v1/jobs/${trained.id}`, alice.key);
    }
    assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const modelId: string = job.modelId;
    await call(`/v1/models/${modelId}/publish`, alice.key, { price: 0.01, policy: 'full', visibility: 'public' });

    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/`);
    await page.fill('#key', alice.key);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#owner:has-text("alice")');
    const modelRow = page.locator(`#models tr[data-model="${modelId}"]`);
    await modelRow.waitFor();
    assert.deepEqual((await modelRow.locator('td').allTextContents()).slice(0, 7), ['income softmax', 'softmax', '14 features', '<=50K, >50K', 'full', '0.01', 'public']);
    await page.screenshot({ path: join(shots, '1-signed-in.png'), fullPage: true });

    // Another client queries the model: its key appears in Alice's ledger without a reload.
    const bob = server.store.createOwner({ name: 'bob' });
    const header = lines[0].split(',');
    const records = lines.slice(1, 8).map((line) => Object.fromEntries(line.split(',').map((value, j) => [header[j], value]).filter(([name]) => name !== 'income')));
    const predicted = await call(`/v1/models/${modelId}/predict`, bob.key, { records });
    assert.equal(predicted.queries, 7, JSON.stringify(predicted));
    const ledgerRow = page.locator(`#ledger tr[data-key="${bob.record.prefix}"]`);
    await ledgerRow.waitFor({ timeout: 10_000 });
    assert.deepEqual(await ledgerRow.locator('td').allTextContents(), [bob.record.prefix, 'bob', modelId, '1', '7', '0.07']);
    // An extraction alert on Bob's key (as the monitor raises one) shows in the alerts table.
    server.store.addAlert(bob.record.id, modelId, { detector: 'prada', statistic: 0.612, queries: 190, action: 'alert' });
    const alertRow = page.locator(`#alerts tr[data-alert="${bob.record.prefix}"]`);
    await alertRow.waitFor({ timeout: 10_000 });
    assert.deepEqual((await alertRow.locator('td').allTextContents()).slice(0, 6), [bob.record.prefix, modelId, 'prada', '0.612', '190', 'alert']);

    // An audit from the page: it runs as a job, its progress shows, and its report opens.
    await page.fill('#sensitive', 'sex');
    await page.click(`#models button[data-audit="${modelId}"]`);
    const auditRow = page.locator('#jobs tr[data-status]').first();
    await auditRow.waitFor();
    await page.screenshot({ path: join(shots, '2-audit-started.png'), fullPage: true });
    await page.waitForSelector('#jobs tr[data-status="succeeded"] button[data-open]', { timeout: 180_000 });
    assert.match(await page.locator('#jobs tr[data-status="succeeded"]').first().locator('td').nth(3).textContent() ?? '', /^extraction: (low|medium|high); inversion: (low|medium|high); membership: (low|medium|high)$/);
    await page.click('#jobs button[data-open]');
    const frame = page.frameLocator('#report');
    await frame.locator('h1').waitFor();
    assert.equal(await frame.locator('h1').textContent(), 'Is this model at risk?');
    assert.equal(await frame.locator('section.verdict').count(), 3);
    assert.equal(await frame.locator('figure.chart svg').count(), 3);
    await page.screenshot({ path: join(shots, '3-report.png'), fullPage: true });

    // A second audit, cancelled from the page: its row turns cancelled and keeps no report.
    await page.click(`#models button[data-audit="${modelId}"]`);
    await page.click('#jobs button[data-cancel]', { timeout: 10_000 });
    const cancelled = page.locator('#jobs tr[data-status="cancelled"]');
    await cancelled.waitFor({ timeout: 10_000 });
    assert.equal(await cancelled.locator('button').count(), 0);
    assert.match((await cancelled.locator('td').nth(3).textContent()) ?? '', /^cancelled by its owner/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
