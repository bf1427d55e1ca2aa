import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startServer } from '../api/listen.ts';
import { Store } from '../api/store.ts';
import { runCli } from '../testing/cli.ts';

const fixturesFolder = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test('owners create prints the first key once; keys create adds keys to an existing owner; publish stores and publishes a model for its owner', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-service-'));
  const db = join(folder, 'service.sqlite');
  const created = await runCli('owners', 'create', 'alice', '--db', db, '--budget', '100', '--json');
  assert.equal(created.status, 0, created.stdout);
  const { key, owner, accountBudget } = JSON.parse(created.stdout);
  assert.match(key, /^tl_/);
  assert.equal(owner, 'alice');
  assert.equal(accountBudget, 100);
  assert.ok(!readFileSync(db).includes(Buffer.from(key)), 'the database holds no plaintext key');
  const again = await runCli('owners', 'create', 'alice', '--db', db, '--json');
  assert.equal(again.status, 1);
  assert.equal(JSON.parse(again.stdout).error.code, 'conflict', 'owner names are unique');
  const second = JSON.parse((await runCli('keys', 'create', '--db', db, '--owner', 'alice', '--budget', '50', '--json')).stdout);
  assert.equal(second.budget, 50);
  const overAccount = await runCli('keys', 'create', '--db', db, '--owner', 'alice', '--budget', '500', '--json');
  assert.match(JSON.parse(overAccount.stdout).error.message, /account's budget of 100/);
  const stranger = await runCli('keys', 'create', '--db', db, '--owner', 'carol', '--json');
  assert.equal(stranger.status, 1);
  assert.match(JSON.parse(stranger.stdout).error.message, /threatlab owners create carol/, 'a key for an unknown owner does not create one');
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
    assert.equal(record.priceMicros, 10_000);
    assert.equal(record.ownerId, store.findKey(second.key)!.ownerId, 'both keys belong to one owner');
  } finally {
    store.close();
  }
  // An extraction monitor with natural reference rows (a CSV of raw features; its label column is ignored).
  const reference = join(folder, 'iris-rows.csv');
  writeFileSync(reference, ['sepal length,sepal width,petal length,petal width,species', ...Array.from({ length: 30 }, (_, i) => `${5 + (i % 7) * 0.2},${3 + (i % 5) * 0.1},${1.5 + (i % 9) * 0.4},${0.2 + (i % 4) * 0.5},x`)].join('\n'));
  const monitored = await runCli('publish', model, '--db', db, '--key', key, '--monitor', 'refuse', '--monitor-reference', reference, '--json');
  assert.equal(monitored.status, 0, monitored.stdout);
  const monitoredStore = Store.open(db);
  const monitor = monitoredStore.getModel(JSON.parse(monitored.stdout).modelId)!.monitor!;
  monitoredStore.close();
  assert.deepEqual([monitor.action, monitor.threshold, monitor.reference!.length, monitor.reference![0].length], ['refuse', 0.9, 30, 4]);
  const modelsBefore = JSON.parse((await runCli('publish', model, '--db', db, '--key', key, '--monitor', 'shout', '--json')).stdout);
  assert.equal(modelsBefore.error.code, 'usage');
  const badReference = await runCli('publish', model, '--db', db, '--key', key, '--monitor', 'alert', '--monitor-reference', join(fixturesFolder, 'digits-members.csv'), '--json');
  assert.match(JSON.parse(badReference.stdout).error.message, /lack columns the model needs/);
  const badPolicy = await runCli('publish', model, '--db', db, '--key', key, '--policy', 'rounded', '--json');
  assert.equal(badPolicy.status, 2, 'a bad --policy is a usage error');
  assert.equal(JSON.parse(badPolicy.stdout).error.code, 'usage');
  const badKey = await runCli('publish', model, '--db', db, '--key', 'tl_wrong', '--json');
  assert.equal(JSON.parse(badKey.stdout).error.code, 'unauthorized');
  const missingDb = await runCli('publish', model, '--db', join(folder, 'missing.sqlite'), '--key', key, '--json');
  assert.equal(JSON.parse(missingDb.stdout).error.code, 'file-not-found');
  assert.ok(!existsSync(join(folder, 'missing.sqlite')), 'publish does not create an empty database');
  const noFolder = await runCli('owners', 'create', 'x', '--db', join(folder, 'no', 'such', 'db.sqlite'), '--json');
  assert.equal(JSON.parse(noFolder.stdout).error.code, 'file-not-found');
  assert.ok(!existsSync(join(folder, 'no')), 'no folder is created silently');
});

test('serve on a busy port fails with one line and exit 2', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-port-'));
  const first = await startServer({ db: join(folder, 'a.sqlite'), port: 0 });
  try {
    const second = await runCli('serve', '--db', join(folder, 'b.sqlite'), '--port', String(first.port));
    assert.equal(second.status, 2);
    assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`port ${first.port} on 127.0.0.1 is in use.*--port`));
  } finally {
    await first.close();
  }
});

test('a database written before accounts and micro-unit money opens with everything kept', () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-migrate-'));
  const db = join(folder, 'old.sqlite');
  const seed = `
    CREATE TABLE owners (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE api_keys (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, budget INTEGER, rate_limit REAL, used INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
    CREATE TABLE datasets (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, csv TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE models (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL, policy TEXT NOT NULL DEFAULT '{"kind":"full"}', price REAL NOT NULL DEFAULT 0, visibility TEXT NOT NULL DEFAULT 'private', published INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
    CREATE TABLE ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL REFERENCES api_keys(id), model_id TEXT NOT NULL REFERENCES models(id), rows INTEGER NOT NULL, cost REAL NOT NULL, created_at INTEGER NOT NULL);
    INSERT INTO owners VALUES ('own_a', 'carol', 1), ('own_b', 'carol', 2);
    INSERT INTO api_keys VALUES ('key_a', 'own_a', 'h1', 'tl_aaaa', NULL, NULL, 3, 1);
    INSERT INTO models VALUES ('m_a', 'own_a', 'tree', 'tree', '${JSON.stringify({ kind: 'tree', format: 1, classes: ['a', 'b'], schema: { features: [{ kind: 'numeric', name: 'x', min: 0, max: 1 }] }, nodes: [{ id: 0, depth: 0, counts: [1, 2] }], params: {} })}', '{"kind":"full"}', 0.1, 'public', 1, 1);
    INSERT INTO ledger (key_id, model_id, rows, cost, created_at) VALUES ('key_a', 'm_a', 3, 0.30000000000000004, 1);`;
  const old = new Database(db);
  old.exec(seed);
  old.close();
  const store = Store.open(db);
  try {
    assert.equal(store.ownerByName('carol'), 'own_a');
    assert.equal(store.ownerByName('carol (2)'), 'own_b', 'the later duplicate owner is renamed, not dropped');
    const model = store.getModel('m_a')!;
    assert.equal(model.priceMicros, 100_000);
    assert.equal(model.summary.kind, 'tree');
    assert.equal(model.monitor, undefined, 'no extraction monitor until the owner publishes with one');
    assert.deepEqual(store.alerts('own_a'), []);
    const usage = store.usage('own_a');
    assert.deepEqual([usage[0].queries, usage[0].costMicros, usage[0].cost], [3, 300_000, 0.3]);
    const key = { id: 'key_a', ownerId: 'own_a', ownerName: 'carol', prefix: 'tl_aaaa', createdAt: 1 };
    store.recordQuery(key, 'm_a', 2, model.priceMicros);
    assert.equal(store.queriesUsed('key_a'), 5);
    const after = store.usage('own_a')[0];
    assert.deepEqual([after.requests, after.queries, after.costMicros], [2, 5, 500_000], "the old ledger's totals carried into the running totals, the new charge added");
    assert.equal(store.integrityCheck(), 'ok');
  } finally {
    store.close();
  }
  const reopened = Store.open(db);
  assert.equal(reopened.ledgerIds().length, 2, 'a second open migrates nothing twice');
  reopened.close();
});
