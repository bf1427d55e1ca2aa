/** 50 concurrent clients × 200 requests on loopback: every answer is in the ledger, no errors. */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/api/listen.ts';
import { predictOnce, seedDatabase } from './helpers.ts';

test('50 concurrent clients × 200 requests: ledger rows equal the requests answered', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'threatlab-load-')), 'service.sqlite');
  const { key, modelId } = seedDatabase(db);
  const server = await startServer({ db, port: 0 });
  try {
    const clients = 50;
    const perClient = 200;
    const ids: number[] = [];
    let failures = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let r = 0; r < perClient; r++) {
          const id = await predictOnce(server.url, key, modelId);
          if (id === undefined) failures++;
          else ids.push(id);
        }
      }),
    );
    assert.equal(failures, 0);
    assert.equal(ids.length, clients * perClient);
    assert.equal(new Set(ids).size, ids.length, 'every answer has its own ledger entry');
    const ledger = server.store.ledgerIds();
    assert.equal(ledger.length, clients * perClient);
    assert.deepEqual([...ids].sort((a, b) => a - b), ledger);
    const usage = server.store.usage(server.store.findKey(key)!.ownerId);
    assert.equal(usage[0].queries, clients * perClient);
  } finally {
    await server.close();
  }
});
