/**
 * Attacks against the serving conventions users run, over real sockets: a KServe v1 /
 * TF-Serving REST endpoint and an Open Inference Protocol (KServe v2, Triton) endpoint, both as
 * loopback stubs answering a scikit-learn model, and threatlab serve's own Open Inference routes
 * with their keys, billing and ledger.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/api/listen.ts';
import { createMatrix } from '../../src/math/matrix.ts';
import { loadModelFile } from '../../src/models/registry.ts';
import type { Classifier } from '../../src/models/types.ts';
import { runCli } from '../../src/testing/cli.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sklearn');
const softmaxFile = join(fixtures, 'iris-softmax.json');
const target = loadModelFile(softmaxFile) as Classifier;

async function body(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return JSON.parse(text);
}

/** A loopback stub: `answer` maps the parsed request to a JSON reply; counts the rows it answered. */
async function stub(answer: (json: Record<string, unknown>, request: IncomingMessage) => { status: number; json: unknown; rows: number }): Promise<{ url: string; rows: () => number; close: () => Promise<void> }> {
  let rows = 0;
  const server: Server = createServer(async (request, response) => {
    const reply = answer(await body(request), request);
    rows += reply.status === 200 ? reply.rows : 0;
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, rows: () => rows, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An Open Inference Protocol reply. */
interface Infer {
  outputs: { name: string; shape: number[]; data: number[] }[];
  parameters: { queries: number; cost_micros: number };
}

const predict = (rows: number[][]) => target.predictProba(createMatrix(rows.length, rows[0].length, Float64Array.from(rows.flat())));

test('KServe v1 / TF-Serving REST: equation solving steals a scikit-learn softmax behind an authenticated :predict URL', async () => {
  const server = await stub((json, request) => {
    if (request.headers.authorization !== 'Bearer s3cret') return { status: 401, json: { error: 'unauthorized' }, rows: 0 };
    const instances = json.instances as number[][];
    const p = predict(instances);
    return { status: 200, json: { predictions: instances.map((_, i) => Array.from(p.data.subarray(i * p.cols, (i + 1) * p.cols))) }, rows: instances.length };
  });
  try {
    const url = `${server.url}/v1/models/iris:predict`;
    const refused = await runCli('extract', '--protocol', 'kserve-v1', '--url', url, '--schema', softmaxFile, '--attack', 'equation-solving', '--json');
    assert.equal(JSON.parse(refused.stdout).error.code, 'unauthorized');
    const result = await runCli('extract', '--protocol', 'kserve-v1', '--url', url, '--schema', softmaxFile, '--header', 'Authorization: Bearer s3cret', '--attack', 'equation-solving', '--evaluate', '500', '--json');
    assert.equal(result.status, 0, result.stdout);
    const report = JSON.parse(result.stdout);
    assert.equal(report.queries, 5);
    assert.equal(report.evaluation.queries, 500);
    assert.equal(server.rows(), 505, 'the endpoint answered exactly the queries reported');
    assert.equal(report.fidelityUniform.agreement, 1);
    assert.ok(report.fidelityUniform.maxProbabilityGap < 1e-9);
    const noFile = await runCli('extract', '--protocol', 'kserve-v1', '--url', url, '--attack', 'equation-solving', '--json');
    assert.match(JSON.parse(noFile.stdout).error.message, /--schema FILE/);
  } finally {
    await server.close();
  }
});

test('Open Inference Protocol: a label-only endpoint is attacked with label-only retraining, its class answers decoded', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-oip-'));
  const endpoint = join(folder, 'endpoint.json');
  writeFileSync(endpoint, JSON.stringify({ schema: target.schema, classes: target.classes, reveals: 'label' }));
  const server = await stub((json, request) => {
    assert.equal(request.url, '/v2/models/iris/infer');
    const input = (json.inputs as { shape: number[]; data: number[] }[])[0];
    const [n, d] = input.shape;
    const rows = Array.from({ length: n }, (_, i) => input.data.slice(i * d, (i + 1) * d));
    return { status: 200, json: { model_name: 'iris', outputs: [{ name: 'label', shape: [n], datatype: 'INT64', data: Array.from(target.predict(createMatrix(n, d, Float64Array.from(rows.flat())))) }] }, rows: n };
  });
  try {
    const result = await runCli('extract', '--protocol', 'oip-v2', '--url', server.url, '--model-id', 'iris', '--schema', endpoint, '--attack', 'retraining', '--param', 'queries=300', '--evaluate', '1000', '--json');
    assert.equal(result.status, 0, result.stdout);
    const report = JSON.parse(result.stdout);
    assert.equal(report.reveals, 'label');
    assert.equal(server.rows(), report.queries + report.evaluation.queries);
    assert.ok(report.fidelityUniform.agreement > 0.9, `agreement ${report.fidelityUniform.agreement}`);
    const wrongDeclaration = join(folder, 'scores.json');
    writeFileSync(wrongDeclaration, JSON.stringify({ schema: target.schema, classes: target.classes }));
    const mismatch = await runCli('extract', '--protocol', 'oip-v2', '--url', server.url, '--model-id', 'iris', '--schema', wrongDeclaration, '--attack', 'mlp-retraining', '--param', 'budget=0.1', '--json');
    assert.match(JSON.parse(mismatch.stdout).error.message, /answered classes, but it was declared to answer probabilities/);
  } finally {
    await server.close();
  }
});

test("threatlab serve answers the Open Inference Protocol with the same keys, policies and ledger", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-serve-oip-'));
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'iris', target);
    server.store.publish(modelId, { price: 0.002, policy: { kind: 'rounded', decimals: 3 }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker', budget: 1000 });
    const metadata = (await (await fetch(`${server.url}/v2/models/${modelId}`, { headers: { authorization: `Bearer ${attacker.key}` } })).json()) as { inputs: unknown };
    assert.deepEqual(metadata.inputs, [{ name: 'input', datatype: 'FP64', shape: [-1, 4] }]);
    const result = await runCli('extract', '--protocol', 'oip-v2', '--url', server.url, '--model-id', modelId, '--key', attacker.key, '--schema', softmaxFile, '--attack', 'equation-solving', '--json');
    assert.equal(result.status, 0, result.stdout);
    const report = JSON.parse(result.stdout);
    assert.equal(server.store.queriesUsed(attacker.record.id), report.queries, "the server's ledger equals the attack's count");
    const infer = await (await fetch(`${server.url}/v2/models/${modelId}/infer`, { method: 'POST', headers: { authorization: `Bearer ${attacker.key}` }, body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP64', data: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]] }] }) })).json() as Infer;
    const probabilities = infer.outputs.find((o) => o.name === 'probabilities')!;
    assert.deepEqual(probabilities.shape, [2, 3]);
    probabilities.data.forEach((p) => assert.equal(p, Math.round(p * 1000) / 1000, 'the owner\'s rounded:3 policy holds on the v2 route'));
    assert.deepEqual(infer.outputs.find((o) => o.name === 'label')!.data, [0, 2]);
    assert.deepEqual([infer.parameters.queries, infer.parameters.cost_micros], [2, 4000]);
    const used = report.queries + 2;
    const unauthorised = await fetch(`${server.url}/v2/models/${modelId}/infer`, { method: 'POST', body: '{}' });
    assert.equal(unauthorised.status, 401);
    const malformed = await fetch(`${server.url}/v2/models/${modelId}/infer`, { method: 'POST', headers: { authorization: `Bearer ${attacker.key}` }, body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP64', data: [1, 2, 3] }] }) });
    assert.equal(malformed.status, 400);
    assert.equal(server.store.queriesUsed(attacker.record.id), used, 'refused requests are not billed');
  } finally {
    await server.close();
  }
});
