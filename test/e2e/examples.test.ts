/** The CLI walk-through in examples/ runs as written, from a user's CSV to the report. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

test('examples/audit-your-csv.sh trains on a CSV and writes the audit report', () => {
  const out = mkdtempSync(join(tmpdir(), 'threatlab-example-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync('bash', [join(root, 'examples', 'audit-your-csv.sh'), join(root, 'test', 'fixtures', 'sklearn', 'adult-population.csv'), 'income', 'sex', out], { env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(run.status, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /^extraction +(LOW|MEDIUM|HIGH) +Under full, a copy agreeing on/m);
  assert.match(run.stdout, /open .*report\/report\.html in a browser/);
  const report = JSON.parse(readFileSync(join(out, 'report', 'report.json'), 'utf8'));
  assert.deepEqual(report.verdicts.map((v: { threat: string }) => v.threat), ['extraction', 'inversion', 'membership']);
  assert.match(report.membership.assumption, /^members: the training split threatlab train used on /);
  assert.ok(existsSync(join(out, 'report', 'report.html')));
});
