/**
 * Prediction-API throughput on loopback: requests/s and p50/p99 latency for 1-row and 100-row
 * predict requests to a logistic model (softmax on Adult income, 108 features), with autocannon
 * in this process and the server in a child process (one core each).
 *
 *   npx tsx bench/api.bench.ts [--seconds 10] [--connections 10] [--json]
 */

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Store } from '../src/api/store.ts';
import { findDataset, isAvailable, loadDataset } from '../src/data/datasets/registry.ts';
import { loadIrisEmbedded } from '../src/data/datasets/iris.ts';
import type { ClassificationDataset } from '../src/data/dataset.ts';
import { LinearClassifierTrainer } from '../src/models/linear/trainers.ts';

const json = process.argv.includes('--json');
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const seconds = argument('--seconds', 10);
const connections = argument('--connections', 10);

const data = (isAvailable(findDataset('adult-income')) ? loadDataset('adult-income') : loadIrisEmbedded()) as ClassificationDataset;
const model = new LinearClassifierTrainer(data.classes.length === 2 ? 'logistic' : 'softmax').fitSync(data);
const db = join(mkdtempSync(join(tmpdir(), 'threatlab-api-bench-')), 'bench.sqlite');
const store = Store.open(db);
const { key, record } = store.createOwner({ name: 'bench' });
const modelId = store.addModel(record.ownerId, data.name, model);
store.publish(modelId, { price: 0.0001, policy: { kind: 'full' }, visibility: 'private' });
store.close();

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'threatlab.js');
const child = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url: string = await new Promise((resolve, reject) => {
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /"url":\s*"([^"]+)"/.exec(output);
    if (match) resolve(match[1]);
  });
  child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
});

function body(rows: number): string {
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) out.push(Array.from(data.features.data.subarray(i * data.features.cols, (i + 1) * data.features.cols)));
  return JSON.stringify({ rows: out });
}

interface Result {
  rows: number;
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(rows: number): Promise<Result> {
  const result = await autocannon({
    url: `${url}/v1/models/${modelId}/predict`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body(rows),
    connections,
    duration: seconds,
  });
  return {
    rows,
    requestsPerSecond: result.requests.average,
    rowsPerSecond: result.requests.average * rows,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const results = [await run(1), await run(100)];
child.kill('SIGTERM');
const check = Store.open(db);
const ledger = check.ledgerIds().length;
check.close();

if (json) {
  process.stdout.write(`${JSON.stringify({ model: model.kind, dataset: data.name, features: data.features.cols, seconds, connections, results, ledger }, null, 2)}\n`);
} else {
  process.stdout.write(
    [
      `${model.kind} model on ${data.name} (${data.features.cols} features), ${connections} connections, ${seconds} s per row size; ledger rows written: ${ledger}`,
      '',
      '| rows per request | requests/s | rows/s | p50 latency ms | p99 latency ms | errors | non-2xx |',
      '|---|---|---|---|---|---|---|',
      ...results.map((r) => `| ${r.rows} | ${Math.round(r.requestsPerSecond)} | ${Math.round(r.rowsPerSecond)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`),
    ].join('\n') + '\n',
  );
}
