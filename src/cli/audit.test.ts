import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../api/listen.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { loadDataset } from '../data/datasets/registry.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { runCli } from '../testing/cli.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test("audit a scikit-learn MLP with the user's members, non-members and population: every threat, each policy, the report written", async () => {
  const out = mkdtempSync(join(tmpdir(), 'threatlab-audit-'));
  const result = await runCli(
    'audit',
    '--model', join(fixtures, 'adult-mlp.json'),
    '--members', join(fixtures, 'adult-members.csv'),
    '--non-members', join(fixtures, 'adult-non-members.csv'),
    '--population', join(fixtures, 'adult-population.csv'),
    '--target', 'income',
    '--sensitive', 'sex',
    '--quick',
    '--out', out,
    '--json',
  );
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.verdicts.map((v: { threat: string }) => v.threat), ['extraction', 'inversion', 'membership', 'exfiltration']);
  assert.deepEqual(report.policies, ['full', 'rounded:2', 'label-only']);
  // scikit-learn's benign MLP: no trace of an encoding in its weights, and the sentence says what the check cannot see.
  const exfiltration = report.verdicts.find((v: { threat: string }) => v.threat === 'exfiltration');
  assert.equal(exfiltration.level, 'low');
  assert.equal(report.exfiltration.flagged, false);
  assert.match(exfiltration.sentence, /cannot clear them/);
  for (const verdict of report.verdicts) {
    assert.match(verdict.level, /^(low|medium|high)$/);
    assert.ok(verdict.thresholds.length > 20 && verdict.helps.length > 10, JSON.stringify(verdict));
  }
  // The MLP copy from the attacker's own rows agrees on most of the non-members; label-only leaves a rougher copy.
  const extraction = Object.fromEntries(report.extraction.results.map((r: { policy: string }) => [r.policy, r]));
  assert.equal(extraction.full.attack, 'mlp-retraining');
  assert.ok(extraction.full.agreement > 0.93, `full: ${extraction.full.agreement}`);
  assert.ok(extraction['label-only'].agreement < extraction.full.agreement);
  // Every query paid is in the total.
  const extractionQueries = report.extraction.runs.reduce((sum: number, run: { record?: { queries: number }; checkQueries: number }) => sum + (run.record?.queries ?? 0) + run.checkQueries, 0);
  const membershipQueries = report.membership.runs.reduce((sum: number, run: { queries: number }) => sum + run.queries, 0);
  const inversionQueries = report.inversion.runs.reduce((sum: number, run: { queries: number }) => sum + run.queries, 0);
  assert.equal(report.queries.total, extractionQueries + membershipQueries + inversionQueries);
  assert.equal(report.inversion.runs[0].people, 1000);
  assert.equal(report.membership.results.length, 3);
  assert.equal(report.membership.exposed.length, 5);
  assert.ok(report.membership.exposed.every((record: { row: string }) => record.row.startsWith(join(fixtures, 'adult-members.csv'))), 'the most exposed are members, named by file and line');
  // The files: the same records, and a self-contained page with the three charts.
  assert.deepEqual(report.files, [join(out, 'report.html'), join(out, 'report.json')]);
  const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(saved.verdicts, report.verdicts);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal(html.match(/<svg /g)?.length, 3);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'no script and no network fetch');
  for (const verdict of report.verdicts) assert.ok(html.includes(verdict.sentence.replace(/"/g, '&quot;')), verdict.threat);
});

test('a served label-only model is audited over HTTP: the policies it cannot be reshaped to are named, every query is on the ledger', async () => {
  const data = loadDataset('steak-eaters') as ClassificationDataset;
  const server = await startServer({ db: join(mkdtempSync(join(tmpdir(), 'threatlab-audit-http-')), 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'steak tree', new DecisionTreeTrainer({}).fitSync(data));
    server.store.publish(modelId, { price: 0.002, policy: { kind: 'label-only' }, visibility: 'public' });
    const auditor = server.store.createOwner({ name: 'auditor' });
    const out = mkdtempSync(join(tmpdir(), 'threatlab-audit-http-out-'));
    const result = await runCli('audit', '--url', server.url, '--model-id', modelId, '--key', auditor.key, '--policies', 'label-only,full', '--threats', 'extraction,membership', '--quick', '--out', out, '--json');
    assert.equal(result.status, 0, result.stdout);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.policies, ['label-only']);
    assert.equal(report.price, 0.002, 'the served price');
    assert.match(report.skipped[0].reason, /^full: the target already answers under "label-only"/);
    assert.match(report.skipped[1].reason, /no members named/);
    assert.equal(report.extraction.runs[0].attack, 'retraining');
    assert.ok(report.extraction.runs[0].checkQueries > 0, 'judging a served copy costs queries');
    assert.equal(server.store.queriesUsed(auditor.record.id), report.queries.total, 'the report owns up to every query the server billed');
    assert.ok(existsSync(join(out, 'report.html')));
  } finally {
    await server.close();
  }
});

test('audit usage errors exit 2 and name the fix', async () => {
  const threats = await runCli('audit', '--model', join(fixtures, 'iris-softmax.json'), '--threats', 'evasion', '--out', mkdtempSync(join(tmpdir(), 'threatlab-audit-usage-')), '--json');
  assert.equal(threats.status, 2);
  assert.match(JSON.parse(threats.stdout).error.message, /"evasion" is not measured by the audit; give any of extraction, inversion, membership/);
  const policy = await runCli('audit', '--model', join(fixtures, 'iris-softmax.json'), '--policies', 'full,blurry', '--out', mkdtempSync(join(tmpdir(), 'threatlab-audit-usage-')), '--json');
  assert.equal(policy.status, 2);
  assert.match(JSON.parse(policy.stdout).error.message, /"blurry"; use full, rounded:K/);
});

test("an image model from scikit-learn: MI-Face's digits are recognised among the user's member images, and written beside the report", async () => {
  const out = mkdtempSync(join(tmpdir(), 'threatlab-audit-faces-'));
  // Inversion alone needs the members only: no non-members or attacker's population.
  const result = await runCli('audit', '--model', join(fixtures, 'digits-mlp.json'), '--members', join(fixtures, 'digits-members.csv'), '--threats', 'inversion', '--quick', '--out', out, '--json');
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  const faces = report.inversion.faces;
  assert.equal(faces.images.length, 10);
  assert.equal(faces.references, 600, 'matched among the 600 members');
  assert.equal(report.inversion.people, `your 600 members (${join(fixtures, 'digits-members.csv')})`);
  const withMembership = await runCli('audit', '--model', join(fixtures, 'digits-mlp.json'), '--members', join(fixtures, 'digits-members.csv'), '--non-members', join(fixtures, 'digits-non-members.csv'), '--quick', '--out', out, '--json');
  assert.equal(withMembership.status, 2, 'membership still needs the attacker\'s own rows');
  assert.match(JSON.parse(withMembership.stdout).error.message, /give --population FILE/);
  assert.ok(faces.recognised >= 8, `${faces.recognised} of 10 digits recognised`);
  assert.equal(report.verdicts[0].level, 'high');
  const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(saved.inversion.faces.images.map((image: { png: string }) => image.png), Array.from({ length: 10 }, (_, d) => `mi-face-${d}.png`));
  for (let d = 0; d < 10; d++) assert.deepEqual([...readFileSync(join(out, `mi-face-${d}.png`)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal(html.match(/<figure class="face"/g)?.length, 10);
  assert.equal(html.match(/src="data:image\/png;base64,/g)?.length, 20, 'each reconstruction beside its nearest member image');
});
