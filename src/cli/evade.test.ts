/**
 * `threatlab evade` end to end on scikit-learn's digits MLP and the user's rows: white-box on the
 * file (with the x / |Δ| / x' PNG), HopSkipJump over a real `threatlab serve` under label-only
 * answers with the server's ledger equal to the record's count, a budget that runs out reported
 * as such, transfer from a surrogate the user trained, and what cannot work refused with the fix.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../api/listen.ts';
import { loadModelFile } from '../models/registry.ts';
import { runCli } from '../testing/cli.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
const MODEL = join(FIXTURES, 'digits-mlp.json');
const ROWS = ['--input', join(FIXTURES, 'digits-non-members.csv'), '--target', 'label'];

test('evade: white-box on a model file, decision-based and transfer over threatlab serve, every query on the ledger', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-evade-'));
  const white = await runCli('evade', '--model', MODEL, ...ROWS, '--attack', 'pgd', '--eps', '0.2', '--rows', '10', '--out', join(folder, 'pgd'), '--json');
  assert.equal(white.status, 0, white.stderr);
  const report = JSON.parse(white.stdout);
  assert.equal(report.mode, 'white-box');
  assert.equal(report.summary.successRate, 1);
  assert.equal(report.record.queries, 0);
  for (const file of ['record.json', 'adversarial.json', 'examples.png']) assert.ok(existsSync(join(folder, 'pgd', file)), file);

  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'digits mlp', loadModelFile(MODEL));
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'label-only' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const target = ['--url', server.url, '--model-id', modelId, '--key', attacker.key];
    const hsj = await runCli('evade', ...target, ...ROWS, '--attack', 'hop-skip-jump', '--rows', '3', '--max-queries', '300', '--json');
    assert.equal(hsj.status, 0, hsj.stderr);
    const decided = JSON.parse(hsj.stdout);
    assert.equal(decided.summary.successes, decided.summary.attacked, 'every finished row is adversarial');
    assert.equal(server.store.queriesUsed(attacker.record.id), decided.record.queries, 'the ledger equals the count');
    assert.ok(decided.record.queries <= 3 + 3 * 300);
    assert.ok(Math.abs(decided.record.cost - decided.record.queries * 0.001) < 1e-9);

    const before = server.store.queriesUsed(attacker.record.id);
    const short = await runCli('evade', ...target, ...ROWS, '--attack', 'hop-skip-jump', '--rows', '3', '--max-queries', '300', '--budget', '150', '--json');
    assert.equal(short.status, 0, short.stderr);
    const stopped = JSON.parse(short.stdout);
    assert.equal(stopped.record.status, 'budget-exhausted');
    assert.match(stopped.record.stopped, /of 3 rows done/);
    assert.equal(server.store.queriesUsed(attacker.record.id) - before, stopped.record.queries, 'every query paid is reported');

    const surrogate = join(folder, 'surrogate.json');
    const trained = await runCli('train', '--dataset', join(FIXTURES, 'digits-population.csv'), '--target', 'label', '--model', 'softmax', '--out', surrogate);
    assert.equal(trained.status, 0, trained.stderr);
    const transfer = await runCli('evade', ...target, ...ROWS, '--attack', 'pgd', '--eps', '0.3', '--rows', '20', '--transfer-from', surrogate, '--json');
    assert.equal(transfer.status, 0, transfer.stderr);
    const moved = JSON.parse(transfer.stdout);
    assert.equal(moved.mode, 'transfer');
    assert.equal(moved.record.queries, 40, 'each row and its adversarial twin, once');
    assert.ok(moved.summary.successRate >= 0.5, `PGD ε = 0.3 on a softmax surrogate fools the MLP on ${moved.summary.successRate}`);

    const refused = await runCli('evade', ...target, ...ROWS, '--attack', 'cw', '--json');
    assert.equal(refused.status, 1);
    assert.match(JSON.parse(refused.stdout).error.message, /white-box: it needs the model file .* hop-skip-jump or boundary, or --transfer-from/);
    const boundary = await runCli('evade', ...target, ...ROWS, '--attack', 'boundary', '--rows', '2', '--max-queries', '200', '--json');
    assert.equal(boundary.status, 0, boundary.stderr);
    const walked = JSON.parse(boundary.stdout);
    assert.equal(walked.summary.successes, walked.summary.attacked);
    assert.equal(server.store.queriesUsed(attacker.record.id) - before - stopped.record.queries - moved.record.queries, walked.record.queries, 'the Boundary attack\'s queries, on the ledger');
  } finally {
    await server.close();
  }
  const noEps = await runCli('evade', '--model', MODEL, ...ROWS, '--attack', 'fgsm', '--json');
  assert.equal(noEps.status, 2);
  assert.match(JSON.parse(noEps.stdout).error.message, /perturbation budget ε > 0/);
  const badTarget = await runCli('evade', '--model', MODEL, ...ROWS, '--attack', 'cw', '--target-label', 'eleven', '--json');
  assert.match(JSON.parse(badTarget.stdout).error.message, /"eleven"; the model's classes are "0", "1"/);
});

test("evade on PyTorch's digits CNN exported to ONNX: white-box through the converted network, decision-based through onnxruntime", async () => {
  const onnx = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'onnx');
  const target = ['--model', join(onnx, 'digits-cnn.onnx'), '--schema', join(onnx, 'digits-cnn.description.json')];
  const white = await runCli('evade', ...target, ...ROWS, '--attack', 'cw', '--rows', '10', '--json');
  assert.equal(white.status, 0, white.stderr);
  const crafted = JSON.parse(white.stdout);
  assert.ok(crafted.summary.attacked >= 8, 'the CNN gets most of the rows right');
  assert.equal(crafted.summary.successRate, 1, 'C&W on the converted CNN, judged by its float64 forward pass');
  const decided = await runCli('evade', ...target, ...ROWS, '--attack', 'hop-skip-jump', '--rows', '3', '--max-queries', '300', '--json');
  assert.equal(decided.status, 0, decided.stderr);
  const through = JSON.parse(decided.stdout);
  assert.equal(through.summary.successes, through.summary.attacked, 'onnxruntime labels every finished row as wrong');
  assert.ok(through.record.queries <= 3 + 3 * 300);
});
