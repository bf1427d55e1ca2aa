/**
 * The ledger's group commit: charges that arrive together are committed in one transaction, each
 * answered only after it, with exactly the budgets' outcome of charging them one by one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import Database from 'better-sqlite3';
import { Rng } from '../random.ts';
import { Store } from './store.ts';

function setUp(store: Store, budgets: { owner?: number; keys: (number | undefined)[] }) {
  const { record: first } = store.createOwner({ name: 'grace', budget: budgets.owner });
  const modelId = store.addModel(first.ownerId, 'iris', new LinearClassifierTrainer('softmax').fitSync(loadIrisEmbedded()));
  store.publish(modelId, { price: 0.5, policy: { kind: 'full' }, visibility: 'private' });
  const keys = budgets.keys.map((budget) => store.createKey({ ownerId: first.ownerId, budget }).record);
  return { modelId, keys, priceMicros: store.getModel(modelId)!.priceMicros };
}

const settle = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

test('a burst from one key within its budget: one commit, every charge in the ledger with its own id and cost', async () => {
  const store = Store.open(':memory:');
  try {
    const { modelId, keys, priceMicros } = setUp(store, { keys: [100] });
    const results = await settle(Array.from({ length: 10 }, (_, i) => store.recordQueryGrouped(keys[0], modelId, i + 1, priceMicros)));
    assert.ok(results.every((r) => r.status === 'fulfilled'));
    const recorded = results.map((r) => (r as PromiseFulfilledResult<{ queryId: number; costMicros: number }>).value);
    assert.equal(new Set(recorded.map((r) => r.queryId)).size, 10);
    assert.deepEqual(recorded.map((r) => r.costMicros), Array.from({ length: 10 }, (_, i) => (i + 1) * 500_000));
    assert.equal(store.queriesUsed(keys[0].id), 55);
    assert.equal(store.ledgerIds().length, 10);
  } finally {
    store.close();
  }
});

test('a burst past a key budget: the same charges pass and fail as one by one, and a refused one writes nothing', async () => {
  const store = Store.open(':memory:');
  try {
    const { modelId, keys, priceMicros } = setUp(store, { keys: [10] });
    // 4 + 4 fit; 4 more would pass 10; then 2 fits again.
    const results = await settle([4, 4, 4, 2].map((rows) => store.recordQueryGrouped(keys[0], modelId, rows, priceMicros)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[2] as PromiseRejectedResult).reason as Error & { code: string };
    assert.equal(refused.code, 'budget-exceeded');
    assert.match(refused.message, /8 of 10 queries used, 4 more requested/);
    assert.equal(store.queriesUsed(keys[0].id), 10);
    assert.equal(store.ledgerIds().length, 3);
  } finally {
    store.close();
  }
});

test("interleaved keys under an account budget are charged in arrival order: the account's budget decides as it would one by one", async () => {
  const store = Store.open(':memory:');
  try {
    const { modelId, keys, priceMicros } = setUp(store, { owner: 5, keys: [undefined, undefined] });
    const [a, b] = keys;
    const order = [a, a, b, a, b, b];
    const results = await settle(order.map((key) => store.recordQueryGrouped(key, modelId, 1, priceMicros)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    assert.match(((results[5] as PromiseRejectedResult).reason as Error).message, /account's query budget is exhausted: 5 of 5/);
    assert.equal(store.queriesUsed(a.id) + store.queriesUsed(b.id), 5);
    assert.equal(store.ledgerIds().length, 5);
  } finally {
    store.close();
  }
});

test('closing the store commits the charges still waiting; they are on disk when it is opened again', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'threatlab-group-')), 'ledger.sqlite');
  const store = Store.open(path);
  const { modelId, keys, priceMicros } = setUp(store, { keys: [undefined] });
  const pending = [1, 2, 3].map((rows) => store.recordQueryGrouped(keys[0], modelId, rows, priceMicros));
  store.close();
  assert.equal((await settle(pending)).filter((r) => r.status === 'fulfilled').length, 3);
  const reopened = Store.open(path);
  assert.equal(reopened.queriesUsed(keys[0].id), 6);
  assert.equal(reopened.ledgerIds().length, 3);
  reopened.close();
});

test("the usage report's running totals equal the ledger grouped by key and model, refused charges and group commits included", async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'threatlab-totals-')), 'ledger.sqlite');
  const store = Store.open(path);
  const { modelId, keys, priceMicros } = setUp(store, { owner: 400, keys: [60, undefined, 90] });
  const owner = keys[0].ownerId;
  const other = store.addModel(owner, 'iris 2', new LinearClassifierTrainer('softmax').fitSync(loadIrisEmbedded()));
  store.publish(other, { price: 0.25, policy: { kind: 'full' }, visibility: 'private' });
  const otherPrice = store.getModel(other)!.priceMicros;
  const rng = new Rng(7);
  let refused = 0;
  for (let round = 0; round < 40; round++) {
    // A burst of 1–6 charges in one turn (one group commit), keys and models mixed, or a single charge.
    const burst = Array.from({ length: 1 + rng.int(6) }, () => ({ key: keys[rng.int(3)], onOther: rng.uniform() < 0.4, rows: 1 + rng.int(9) }));
    const charge = ({ key, onOther, rows }: (typeof burst)[number]) => (onOther ? store.recordQueryGrouped(key, other, rows, otherPrice) : store.recordQueryGrouped(key, modelId, rows, priceMicros));
    if (burst.length === 1 && round % 2 === 0) {
      try {
        store.recordQuery(burst[0].key, burst[0].onOther ? other : modelId, burst[0].rows, burst[0].onOther ? otherPrice : priceMicros);
      } catch {
        refused++;
      }
      continue;
    }
    refused += (await settle(burst.map(charge))).filter((r) => r.status === 'rejected').length;
  }
  assert.ok(refused > 0, 'some charges passed a budget');
  store.close();
  const db = new Database(path, { readonly: true });
  const grouped = db
    .prepare('SELECT key_id AS keyId, model_id AS model, COUNT(*) AS requests, SUM(rows) AS queries, SUM(cost_micros) AS costMicros FROM ledger GROUP BY key_id, model_id ORDER BY key_id, model_id')
    .all();
  db.close();
  const reopened = Store.open(path);
  try {
    const byKeys = reopened.usage(owner, 'keys').map(({ keyId, modelId: model, requests, queries, costMicros }) => ({ keyId, model, requests, queries, costMicros }));
    assert.deepEqual(byKeys, grouped);
    assert.deepEqual(reopened.usage(owner, 'models').length, grouped.length);
    assert.equal(byKeys.reduce((sum, row) => sum + row.queries, 0), keys.reduce((sum, key) => sum + reopened.queriesUsed(key.id), 0), "the totals add up to the keys' charged rows");
  } finally {
    reopened.close();
  }
});
