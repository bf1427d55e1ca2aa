/**
 * The audit report in a real browser (headless Debian Chromium through playwright-core): it
 * opens from disk with no console error and no request, shows the verdicts, and draws each
 * chart. The report is a scikit-learn Adult MLP's quick audit with the user's CSVs.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../../src/testing/cli.ts';
import { launchBrowser, screenshotFolder, watchedPage } from '../../src/testing/browser.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sklearn');

test('the audit report opens in Chromium with no error and shows its verdicts and charts', async () => {
  const out = mkdtempSync(join(tmpdir(), 'threatlab-report-browser-'));
  const audit = await runCli('audit', '--model', join(fixtures, 'adult-mlp.json'), '--members', join(fixtures, 'adult-members.csv'), '--non-members', join(fixtures, 'adult-non-members.csv'), '--population', join(fixtures, 'adult-population.csv'), '--sensitive', 'sex', '--quick', '--out', out, '--json');
  assert.equal(audit.status, 0, audit.stdout);
  const browser = await launchBrowser();
  try {
    const { page, problems } = await watchedPage(browser);
    await page.goto(pathToFileURL(join(out, 'report.html')).href);
    assert.equal(await page.title(), `threatlab audit — ${join(fixtures, 'adult-mlp.json')}`);
    assert.deepEqual(await page.locator('section.verdict').evaluateAll((sections) => sections.map((s) => s.getAttribute('data-threat'))), ['extraction', 'inversion', 'membership', 'exfiltration']);
    const charts = page.locator('figure.chart svg');
    assert.equal(await charts.count(), 3);
    for (let i = 0; i < 3; i++) {
      const box = await charts.nth(i).boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `chart ${i} is drawn: ${JSON.stringify(box)}`);
      // Each chart has marks: points, bars or a curve.
      assert.ok((await charts.nth(i).locator('path, .mark-symbol path, .mark-rect path').count()) > 3, `chart ${i} has marks`);
    }
    await page.screenshot({ path: join(screenshotFolder('report'), 'report.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
