/**
 * `threatlab property` on a model file: shadow models copy its trainer on the attacker's rows,
 * the guess comes with the accuracy measured on held-out shadows, and what cannot work is refused
 * with the reason.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProperty, propertyMask, sampleWithShare } from '../attacks/property/property.ts';
import { loadAdult } from '../data/datasets/adult.ts';
import { MlpTrainer } from '../models/neural/mlp.ts';
import { loadModelFile, saveModelFile } from '../models/registry.ts';
import { startServer } from '../api/listen.ts';
import { Rng } from '../random.ts';
import { runCli } from '../testing/cli.ts';

test('property: an Adult MLP trained on 20% women is recognised as such, with the accuracy measured on held-out shadows', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-property-'));
  const adult = loadAdult('income');
  const spec = parseProperty('sex=Female:0.2,0.5');
  const rows = sampleWithShare(adult, propertyMask(adult, spec), 0.2, 1000, new Rng(3));
  const model = join(folder, 'target.json');
  saveModelFile(await new MlpTrainer({ hidden: '16', epochs: 15, validationFraction: 0 }).fit(rows, new Rng(4)), model);
  const result = await runCli('property', '--attack', 'parameters', '--property', 'sex=Female:0.2,0.5', '--model', model, '--dataset', 'adult-income', '--train-size', '1000', '--shadows', '8', '--json');
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.guess.share, 0.2);
  assert.equal(report.queries, 0, 'white-box: no query');
  assert.equal(report.heldOut.shadows, 4);
  assert.ok(report.heldOut.accuracy >= 0.5, JSON.stringify(report.heldOut));
  const text = await runCli('property', '--attack', 'outputs', '--property', 'sex=Female:0.2,0.5', '--model', model, '--dataset', 'adult-income', '--train-size', '1000', '--shadows', '4', '--probes', '100');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /outputs: the training data looks like sex=Female at 0\.(2|5) \(of 0\.2 or 0\.5\), from 8 shadow models; 100 queries paid/);
  assert.match(text.stdout, /in plain words: /);
  // Black-box through threatlab serve: the probes are billed, and the server's ledger equals the count.
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'adult mlp', loadModelFile(model));
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'rounded', decimals: 3 }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const served = await runCli('property', '--attack', 'loss-test', '--property', 'sex=Female:0.2,0.5', '--url', server.url, '--model-id', modelId, '--key', attacker.key, '--dataset', 'adult-income', '--train-size', '1000', '--shadows', '4', '--probes', '100', '--shadow-param', 'hidden=16', '--shadow-param', 'epochs=15', '--shadow-param', 'validationFraction=0', '--json');
    assert.equal(served.status, 0, served.stderr);
    const billed = JSON.parse(served.stdout);
    assert.equal(billed.queries, 200, '100 probe rows drawn with each share');
    assert.ok(Math.abs(billed.cost - 0.2) < 1e-9);
    assert.equal(server.store.queriesUsed(attacker.record.id), 200);
    const white = await runCli('property', '--attack', 'parameters', '--property', 'sex=Female:0.2,0.5', '--url', server.url, '--model-id', modelId, '--key', attacker.key, '--dataset', 'adult-income', '--json');
    assert.equal(white.status, 1);
    assert.match(JSON.parse(white.stdout).error.message, /reads the model file/);
  } finally {
    await server.close();
  }
  const badLevel = await runCli('property', '--attack', 'parameters', '--property', 'sex=Woman:0.2,0.5', '--model', model, '--dataset', 'adult-income', '--json');
  assert.equal(badLevel.status, 1);
  assert.match(JSON.parse(badLevel.stdout).error.message, /no level "Woman"/);
  const badSpec = await runCli('property', '--attack', 'parameters', '--property', 'sex', '--model', model, '--dataset', 'adult-income', '--json');
  assert.equal(badSpec.status, 2);
  const noRows = await runCli('property', '--attack', 'parameters', '--property', 'sex=Female:0.2,0.5', '--model', model, '--json');
  assert.equal(noRows.status, 2);
  assert.match(JSON.parse(noRows.stdout).error.message, /--population FILE.csv/);
});

test("property on scikit-learn's Adult MLP with the user's own rows as a CSV: shadows copy its architecture, the guess says what it is worth", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const result = await runCli('property', '--attack', 'parameters', '--property', 'sex=Female:0.2,0.5', '--model', join(fixtures, 'adult-mlp.json'), '--population', join(fixtures, 'adult-population.csv'), '--target', 'income', '--train-size', '300', '--shadows', '4', '--shadow-param', 'epochs=5', '--json');
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.ok([0.2, 0.5].includes(report.guess.share));
  assert.equal(report.heldOut.shadows, 2);
  assert.equal(report.queries, 0);
});
