/**
 * The server killed with SIGKILL under load, then reopened on the same file: every request that
 * got an answer is in the ledger, and the database passes SQLite's integrity check.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/api/store.ts';
import { predictOnce, seedDatabase } from './helpers.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'threatlab.js');

function startChild(db: string): Promise<{ url: string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /"url":\s*"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          kill: () => new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
        });
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

test('SIGKILL under load loses no answered request and leaves a sound database', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'threatlab-crash-')), 'service.sqlite');
  const { key, modelId } = seedDatabase(db);
  const server = await startChild(db);
  const answered: number[] = [];
  let stop = false;
  const deadline = Date.now() + 20_000;
  const clients = Array.from({ length: 20 }, async () => {
    while (!stop && Date.now() < deadline) {
      const id = await predictOnce(server.url, key, modelId);
      if (id !== undefined) answered.push(id);
    }
  });
  while (answered.length < 1500 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await server.kill();
  stop = true;
  await Promise.all(clients);
  assert.ok(answered.length >= 1500, `only ${answered.length} answers before the kill`);

  const store = Store.open(db);
  try {
    assert.equal(store.integrityCheck(), 'ok');
    const ledger = new Set(store.ledgerIds());
    const lost = answered.filter((id) => !ledger.has(id));
    assert.deepEqual(lost, [], 'every answered request is in the ledger');
    assert.ok(ledger.size >= answered.length);
  } finally {
    store.close();
  }
  const restarted = await startChild(db);
  try {
    assert.ok((await predictOnce(restarted.url, key, modelId))! > Math.max(...answered), 'the restarted server keeps counting');
  } finally {
    await restarted.kill();
  }
});
