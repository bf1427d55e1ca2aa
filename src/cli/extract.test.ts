import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../api/listen.ts';
import { loadModelFile } from '../models/registry.ts';
import { runCli } from '../testing/cli.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test('extract a model file: the record, the fidelity and the saved surrogate', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-extract-'));
  const model = join(folder, 'iris.json');
  await runCli('train', '--dataset', 'iris-embedded', '--model', 'softmax', '--out', model);
  const out = join(folder, 'stolen.json');
  const result = await runCli('extract', '--model', model, '--attack', 'equation-solving', '--out', out, '--evaluate', '2000', '--json');
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  assert.equal(report.status, 'completed');
  assert.equal(report.queries, 5);
  assert.equal(report.fidelityUniform.agreement, 1);
  assert.match(report.inPlainWords, /^in plain words: the copy is exact — .*below 1e-6 we call it exact/);
  assert.equal(loadModelFile(out).kind, 'softmax');
  const labels = await runCli('extract', '--model', model, '--attack', 'retraining', '--policy', 'label-only', '--param', 'queries=200', '--budget', '100', '--json');
  assert.equal(labels.status, 1, 'a budget below the attack\'s need is a failure, not a completed run');
  assert.match(JSON.parse(labels.stdout).error.message, /stopped before it had a surrogate, after \d+ paid quer.*requested/);
  const short = await runCli('extract', '--model', model, '--attack', 'equation-solving', '--budget', '3');
  assert.equal(short.status, 1);
  assert.match(short.stderr, /after 0 paid queries: query budget exhausted: 0 of 3 queries used, 5 more requested/);
  const refused = await runCli('extract', '--model', model, '--attack', 'equation-solving', '--policy', 'label-only', '--json');
  assert.equal(refused.status, 1);
  assert.equal(JSON.parse(refused.stdout).error.code, 'capability');
  const unknown = await runCli('extract', '--model', model, '--attack', 'telepathy', '--json');
  assert.equal(unknown.status, 2);
  assert.match(JSON.parse(unknown.stdout).error.message, /"telepathy"; known: equation-solving/);
  const badParam = await runCli('extract', '--model', model, '--attack', 'equation-solving', '--param', 'foo=1', '--json');
  assert.equal(badParam.status, 2);
  assert.match(JSON.parse(badParam.stdout).error.message, /invalid parameters for attack "equation-solving"/);
  const both = await runCli('extract', '--model', model, '--url', 'http://127.0.0.1:1', '--attack', 'equation-solving', '--json');
  assert.equal(both.status, 2);
});

test('extract against a served model: fidelity checks are off by default, and when asked for they are counted apart and billed', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-extract-http-'));
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'softmax', loadModelFile(join(fixtures, 'iris-softmax.json')));
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'full' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const target = ['--url', server.url, '--model-id', modelId, '--key', attacker.key];
    const plain = JSON.parse((await runCli('extract', ...target, '--attack', 'equation-solving', '--json')).stdout);
    assert.equal(plain.queries, 5);
    assert.deepEqual(plain.evaluation, { queries: 0, requests: 0, cost: 0 });
    assert.equal(plain.fidelityUniform, null);
    assert.equal(server.store.queriesUsed(attacker.record.id), 5, 'the attacker paid for the attack only');
    const holdout = join(folder, 'holdout.csv');
    writeFileSync(holdout, ['sepal length,sepal width,petal length,petal width,class', '5.1,3.5,1.4,0.2,Iris-setosa', '6.7,3.0,5.2,2.3,Iris-virginica', '5.9,3.0,4.2,1.5,Iris-versicolor'].join('\n'));
    const checked = await runCli('extract', ...target, '--attack', 'equation-solving', '--evaluate', '200', '--holdout', holdout, '--json');
    assert.equal(checked.status, 0, checked.stdout);
    const report = JSON.parse(checked.stdout);
    assert.equal(report.queries, 5);
    assert.equal(report.evaluation.queries, 203, '200 uniform points and 3 held-out rows, reported apart');
    assert.equal(report.total.queries, 208);
    assert.ok(Math.abs(report.total.cost - 0.208) < 1e-9);
    assert.equal(report.fidelityHoldout.rows, 3);
    assert.equal(report.fidelityHoldout.agreement, 1);
    assert.equal(server.store.queriesUsed(attacker.record.id), 5 + 208, 'the ledger holds every paid query');
  } finally {
    await server.close();
  }
});

test('without --attack the target chooses: equation-solving for scikit-learn softmax scores, path-finding for a tree answering leaves, label-only retraining under label-only answers; the user\'s parameters still apply', async () => {
  const run = async (...args: string[]) => {
    const result = await runCli('extract', ...args, '--evaluate', '500', '--json');
    assert.equal(result.status, 0, result.stdout);
    return JSON.parse(result.stdout);
  };
  const softmax = await run('--model', join(fixtures, 'iris-softmax.json'));
  assert.deepEqual([softmax.attack, softmax.chosen, softmax.status, softmax.queries], ['equation-solving', true, 'completed', 5]);
  assert.equal(softmax.fidelityUniform.agreement, 1);
  const tree = await run('--model', join(fixtures, 'iris-tree.json'));
  assert.deepEqual([tree.attack, tree.chosen, tree.status], ['path-finding', true, 'completed']);
  const labels = await run('--model', join(fixtures, 'iris-softmax.json'), '--policy', 'label-only', '--param', 'queries=60');
  assert.deepEqual([labels.attack, labels.chosen, labels.queries], ['retraining', true, 60]);
  const named = await run('--model', join(fixtures, 'iris-softmax.json'), '--attack', 'retraining', '--param', 'queries=40');
  assert.deepEqual([named.attack, named.chosen, named.queries], ['retraining', false, 40]);
  const badParam = await runCli('extract', '--model', join(fixtures, 'iris-softmax.json'), '--param', 'foo=1', '--json');
  assert.equal(badParam.status, 2);
  assert.match(JSON.parse(badParam.stdout).error.message, /invalid parameters for attack "equation-solving"/);
  const text = await runCli('extract', '--model', join(fixtures, 'iris-mlp.json'), '--evaluate', '200');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^mlp-retraining against an mlp model answering scores \(completed\) — chosen for such a target \(--attack NAME runs another: /);
});
