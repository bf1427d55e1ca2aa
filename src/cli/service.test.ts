import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../api/store.ts';
import { runCli } from '../testing/cli.ts';

test('keys create prints the key once; publish stores and publishes a model for its owner', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-service-'));
  const db = join(folder, 'service.sqlite');
  const created = await runCli('keys', 'create', '--db', db, '--owner', 'alice', '--budget', '100', '--json');
  assert.equal(created.status, 0, created.stdout);
  const { key, owner, budget } = JSON.parse(created.stdout);
  assert.match(key, /^tl_/);
  assert.equal(owner, 'alice');
  assert.equal(budget, 100);
  assert.ok(!readFileSync(db).includes(Buffer.from(key)), 'the database holds no plaintext key');
  const second = JSON.parse((await runCli('keys', 'create', '--db', db, '--owner', 'alice', '--json')).stdout);
  const model = join(folder, 'iris.json');
  await runCli('train', '--dataset', 'iris-embedded', '--model', 'tree', '--out', model);
  const published = await runCli('publish', model, '--db', db, '--key', key, '--price', '0.01', '--policy', 'rounded:3', '--visibility', 'public', '--json');
  assert.equal(published.status, 0, published.stdout);
  const { modelId, policy } = JSON.parse(published.stdout);
  assert.equal(policy, 'rounded:3');
  const store = Store.open(db);
  try {
    const record = store.getModel(modelId)!;
    assert.equal(record.published, true);
    assert.equal(record.price, 0.01);
    assert.equal(record.ownerId, store.findKey(second.key)!.ownerId, '--owner alice twice gives two keys of one owner');
  } finally {
    store.close();
  }
  const badPolicy = await runCli('publish', model, '--db', db, '--key', key, '--policy', 'rounded', '--json');
  assert.equal(badPolicy.status, 1);
  assert.equal(JSON.parse(badPolicy.stdout).error.code, 'validation');
  const badKey = await runCli('publish', model, '--db', db, '--key', 'tl_wrong', '--json');
  assert.equal(JSON.parse(badKey.stdout).error.code, 'unauthorized');
});
