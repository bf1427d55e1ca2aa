/**
 * `threatlab train --malicious` and `threatlab exfiltrate`: the attacker's key and the truth on
 * disk, white-box decoding from the file, capacity abuse decoded through a real `threatlab serve`
 * answering labels only, with the server's ledger equal to the decoder's count.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../api/listen.ts';
import { loadModelFile } from '../models/registry.ts';
import { runCli } from '../testing/cli.ts';

const network = ['--dataset', 'mnist', '--model', 'mlp', '--param', 'hidden=64', '--param', 'epochs=30', '--param', 'validationFraction=0', '--param', 'standardize=false'];

test('train --malicious lsb hides encrypted digits; exfiltrate reads them back exactly from the file', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-exfiltrate-'));
  const [model, key] = [join(folder, 'model.json'), join(folder, 'key.json')];
  const trained = await runCli('train', ...network, '--param', 'epochs=5', '--malicious', 'lsb', '--malicious-param', 'items=50', '--malicious-param', 'bits=8', '--passphrase', 'hunter2', '--secret-out', key, '--out', model, '--json');
  assert.equal(trained.status, 0, trained.stderr);
  const report = JSON.parse(trained.stdout);
  assert.equal(report.malicious.items, 50);
  assert.ok(existsSync(join(folder, 'key.truth.json')));
  assert.equal(JSON.parse(readFileSync(key, 'utf8')).values, undefined, 'the key holds no data');
  const out = join(folder, 'decoded');
  const decoded = await runCli('exfiltrate', '--model', model, '--secret', key, '--out', out, '--json');
  assert.equal(decoded.status, 0, decoded.stderr);
  const result = JSON.parse(decoded.stdout);
  assert.equal(result.queries, 0);
  assert.equal(result.score.exactItems, 50);
  assert.equal(result.score.mape, 0);
  assert.ok(existsSync(join(out, 'grid.png')) && existsSync(join(out, 'decoded.json')));
  const text = await runCli('exfiltrate', '--model', model, '--secret', key);
  assert.match(text.stdout, /lsb: decoded 50 hidden training rows from the parameters \(no queries\)/);
  assert.match(text.stdout, /50 of 50 exact/);
  const wrongAttack = await runCli('exfiltrate', '--model', model, '--secret', key, '--attack', 'sign', '--json');
  assert.equal(wrongAttack.status, 2);
  assert.match(JSON.parse(wrongAttack.stdout).error.message, /is a lsb key/);
  // The data owner's answer: scrub the low bits before publishing; the labels stay, the payload goes.
  const clean = join(folder, 'clean.json');
  const scrubbed = await runCli('scrub', '--model', model, '--bits', '8', '--dataset', 'mnist', '--out', clean, '--json');
  assert.equal(scrubbed.status, 0, scrubbed.stderr);
  const check = JSON.parse(scrubbed.stdout);
  assert.equal(check.check.labelsChanged, 0);
  assert.ok(check.maxRelativeChange > 0 && check.maxRelativeChange < 2 ** -14, `${check.maxRelativeChange}`);
  const gone = await runCli('exfiltrate', '--model', clean, '--secret', key, '--json');
  assert.equal(gone.status, 1);
  assert.match(JSON.parse(gone.stdout).error.message, /hold no payload|do not inflate/);
});

test('train --malicious correlation in a new process: the loss term waits for the backend, and the images decode', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-exfiltrate-correlation-'));
  const [model, key] = [join(folder, 'model.json'), join(folder, 'key.json')];
  const trained = await runCli('train', ...network, '--param', 'epochs=10', '--malicious', 'correlation', '--malicious-param', 'items=8', '--secret-out', key, '--out', model, '--json');
  assert.equal(trained.status, 0, trained.stderr);
  const decoded = JSON.parse((await runCli('exfiltrate', '--model', model, '--secret', key, '--json')).stdout);
  assert.equal(decoded.items, 8);
  assert.ok(decoded.score.mape < 40 && decoded.score.cosine > 0.85, JSON.stringify(decoded.score));
});

test('train --malicious refuses what could not be decoded, before training', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-exfiltrate-usage-'));
  const model = join(folder, 'm.json');
  const noKey = await runCli('train', ...network, '--malicious', 'sign', '--out', model, '--json');
  assert.equal(noKey.status, 2);
  assert.match(JSON.parse(noKey.stdout).error.message, /--secret-out FILE/);
  const unknown = await runCli('train', ...network, '--malicious', 'steganography', '--secret-out', join(folder, 'k.json'), '--out', model, '--json');
  assert.equal(unknown.status, 2);
  assert.match(JSON.parse(unknown.stdout).error.message, /lsb, correlation, sign, capacity/);
  const passphrase = await runCli('train', ...network, '--malicious', 'sign', '--passphrase', 'x', '--secret-out', join(folder, 'k.json'), '--out', model, '--json');
  assert.equal(passphrase.status, 2);
  const scaled = await runCli('train', '--dataset', 'iris-embedded', '--model', 'mlp', '--malicious', 'sign', '--secret-out', join(folder, 'k.json'), '--out', model, '--json');
  assert.equal(scaled.status, 1);
  assert.match(JSON.parse(scaled.stdout).error.message, /standardize=false/);
  assert.ok(!existsSync(model), 'nothing saved');
});

test('capacity abuse decoded through threatlab serve, label-only: every query billed, the ledger equal to the count', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-exfiltrate-http-'));
  const [model, key] = [join(folder, 'model.json'), join(folder, 'key.json')];
  const trained = await runCli('train', ...network, '--malicious', 'capacity', '--malicious-param', 'items=1', '--secret-out', key, '--out', model, '--json');
  assert.equal(trained.status, 0, trained.stderr);
  assert.equal(JSON.parse(trained.stdout).malicious.syntheticRows, Math.ceil((784 * 4) / 3));
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'mlp', loadModelFile(model));
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'label-only' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const target = ['--url', server.url, '--model-id', modelId, '--key', attacker.key, '--secret', key];
    const decoded = await runCli('exfiltrate', ...target, '--json');
    assert.equal(decoded.status, 0, decoded.stderr);
    const result = JSON.parse(decoded.stdout);
    assert.equal(result.queries, 1046);
    assert.ok(Math.abs(result.cost - 1.046) < 1e-9, `cost ${result.cost}`);
    assert.equal(server.store.queriesUsed(attacker.record.id), 1046, 'the server billed exactly the decoder\'s queries');
    assert.ok(result.score.mape <= result.score.quantisationFloor + 5, `MAPE ${result.score.mape}, floor ${result.score.quantisationFloor}`);
    const short = await runCli('exfiltrate', ...target, '--budget', '600', '--json');
    assert.equal(short.status, 1);
    assert.match(JSON.parse(short.stdout).error.message, /500 rows were queried \(and paid for\) before it stopped; the key needs 1046/);
    const white = await runCli('exfiltrate', '--url', server.url, '--model-id', modelId, '--key', attacker.key, '--secret', key.replace('key.json', 'nope.json'), '--json');
    assert.equal(white.status, 1);
    assert.equal(JSON.parse(white.stdout).error.code, 'file-not-found');
  } finally {
    await server.close();
  }
});
