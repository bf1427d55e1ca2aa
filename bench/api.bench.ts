/**
 * Prediction-API throughput on loopback: requests/s and p50/p99 latency for 1-row and 100-row
 * predict requests to a logistic model (softmax on Adult income, 108 features), with autocannon
 * in this process and the server in a child process (one core each), after a warm-up load that is
 * not counted (the server's first seconds run its code unoptimised). Where Debian's `wrk` (a C
 * client that spends far less CPU per request than autocannon on the shared 2 cores) is
 * installed, the 1-row load is measured with it too. Then the same 1-row load
 * while another client uploads a 30 MB CSV and trains a large MLP on the server (heavy work
 * that runs on the server's worker threads), and the server's peak resident memory.
 *
 *   npx tsx bench/api.bench.ts [--seconds 10] [--warmup 3] [--connections 10] [--json]
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const warmupSeconds = argument('--warmup', 3);
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
  client: 'autocannon' | 'wrk';
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(rows: number, duration = seconds): Promise<Result> {
  const result = await autocannon({
    url: `${url}/v1/models/${modelId}/predict`,
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body(rows),
    connections,
    duration,
  });
  return {
    rows,
    client: 'autocannon',
    requestsPerSecond: result.requests.average,
    rowsPerSecond: result.requests.average * rows,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** The 1-row load measured by Debian's `wrk` (one thread, the same connections), or undefined where it is not installed. */
function runWrk(rows: number): Result | undefined {
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) return undefined;
  const script = join(mkdtempSync(join(tmpdir(), 'threatlab-wrk-')), 'post.lua');
  writeFileSync(script, [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(body(rows))}`, `wrk.headers["content-type"] = "application/json"`, `wrk.headers["authorization"] = "Bearer ${key}"`].join('\n'));
  const result = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `${url}/v1/models/${modelId}/predict`], { encoding: 'utf8' });
  rmSync(dirname(script), { recursive: true, force: true });
  const out = result.stdout;
  const milliseconds = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!match) throw new Error(`wrk printed no ${label}% latency:\n${out}${result.stderr}`);
    return Math.round(Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'] * 100) / 100;
  };
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rows,
    client: 'wrk',
    requestsPerSecond,
    rowsPerSecond: requestsPerSecond * rows,
    p50: milliseconds('50'),
    p99: milliseconds('99'),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** The server's peak resident set so far, MiB (Linux). */
function peakRssMb(): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
}

/** A CSV of `rows` rows × 12 numeric columns and a binary label (about 80 bytes a row). */
function syntheticCsv(rows: number, seed: number): string {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines = [[...Array.from({ length: 12 }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const values = Array.from({ length: 12 }, () => next().toFixed(4));
    lines.push(`${values.join(',')},${Number(values[0]) + Number(values[1]) > 1 ? 'yes' : 'no'}`);
  }
  return lines.join('\n');
}

async function api(path: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** 1-row predicts while a 30 MB CSV uploads and a large MLP trains (each on the server's workers or streamed). */
async function runUnderHeavyWork(): Promise<Result & { upload: string; training: string }> {
  const trainingData = await api('/v1/datasets?name=train.csv', syntheticCsv(40_000, 7), 'text/csv');
  const bigCsv = syntheticCsv(370_000, 11);
  const load = run(1);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = performance.now();
  const uploading = api('/v1/datasets?name=big.csv', bigCsv, 'text/csv').then((r) => `${r.status} ${(bigCsv.length / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const job = await api('/v1/models/train', JSON.stringify({ datasetId: trainingData.json.id, target: 'label', model: 'mlp', params: { hidden: '512,512', epochs: 500, patience: 0 } }));
  const [result, upload] = await Promise.all([load, uploading]);
  const status = await (await fetch(`${url}/v1/jobs/${job.json.id}`, { headers: { authorization: `Bearer ${key}` } })).json() as { status: string; progress: number };
  return { ...result, upload, training: `job ${job.status}, ${status.status} at ${(status.progress * 100).toFixed(0)}% of 500 epochs when the load ended` };
}

if (warmupSeconds > 0) await run(1, warmupSeconds);
const wrk = runWrk(1);
const results = [await run(1), ...(wrk ? [wrk] : []), await run(100)];
const heavy = await runUnderHeavyWork();
const peak = peakRssMb();
const exited = new Promise((resolve) => child.once('exit', resolve));
child.kill('SIGTERM');
await exited;
const check = Store.open(db);
const ledger = check.ledgerIds().length;
check.close();

if (json) {
  process.stdout.write(`${JSON.stringify({ model: model.kind, dataset: data.name, features: data.features.cols, seconds, warmupSeconds, connections, results, heavy, peakRssMb: peak, ledger }, null, 2)}\n`);
} else {
  process.stdout.write(
    [
      `${model.kind} model on ${data.name} (${data.features.cols} features), ${connections} connections, ${seconds} s per row size after a ${warmupSeconds}-s warm-up (not counted)${wrk ? '' : '; wrk not installed (apt-get install -y wrk), autocannon only'}; ledger rows written: ${ledger}`,
      '',
      '| rows per request | client | requests/s | rows/s | p50 latency ms | p99 latency ms | errors | non-2xx |',
      '|---|---|---|---|---|---|---|---|',
      ...results.map((r) => `| ${r.rows} | ${r.client} | ${Math.round(r.requestsPerSecond)} | ${Math.round(r.rowsPerSecond)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`),
      `| 1, under heavy work | autocannon | ${Math.round(heavy.requestsPerSecond)} | ${Math.round(heavy.rowsPerSecond)} | ${heavy.p50} | ${heavy.p99} | ${heavy.errors} | ${heavy.non2xx} |`,
      '',
      `heavy work: CSV upload ${heavy.upload}; training (MLP 12-512-512-2 on 40,000 rows) ${heavy.training}`,
      `server peak RSS: ${peak} MiB`,
    ].join('\n') + '\n',
  );
}
