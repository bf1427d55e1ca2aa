/**
 * Bodies over a real socket: a chunked body is cut at the limit as it arrives (the client gets
 * 413 long before it has sent everything), and the server answers the next request as before.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/api/listen.ts';
import { seedDatabase } from './helpers.ts';

/** Streams up to `total` bytes of JSON-looking text in chunks; resolves with the status and the bytes sent before the answer. */
function streamBody(url: string, path: string, key: string, total: number, prefix: string, unit: string): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
      answered = true;
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, sent, body }));
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 << 10, unit);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    req.write(prefix);
    pump();
  });
}

test('a chunked 64 MiB body is cut at the 1 MiB limit with 413, and the server goes on answering', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'threatlab-body-')), 'service.sqlite');
  const { key, modelId } = seedDatabase(db);
  const server = await startServer({ db, port: 0 });
  try {
    const result = await streamBody(server.url, `/v1/models/${modelId}/predict`, key, 64 << 20, '{"rows":[[', '1,');
    assert.equal(result.status, 413, result.body);
    assert.equal(JSON.parse(result.body).error.code, 'payload-too-large');
    assert.ok(result.sent < 32 << 20, `the answer came after ${result.sent} bytes`);
    const upload = await streamBody(server.url, '/v1/datasets?name=big.csv', key, 48 << 20, 'text\n', `${'x'.repeat(1023)}\n`);
    assert.equal(upload.status, 413, upload.body);
    const health = await fetch(`${server.url}/v1/health`);
    assert.equal(health.status, 200);
    const predict = await fetch(`${server.url}/v1/models/${modelId}/predict`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"rows":[[5.1,3.5,1.4,0.2]]}' });
    assert.equal(predict.status, 200);
    assert.equal(server.store.ledgerIds().length, 1, 'only the answered request is in the ledger');
  } finally {
    await server.close();
  }
});
