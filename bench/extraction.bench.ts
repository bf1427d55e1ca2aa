/**
 * The AT&T faces softmax model (40 × 10,304 weights + 40 biases = 412,160 unknowns) extracted
 * over the real prediction API on loopback with chosen queries: queries, requests, seconds and
 * max |Δp|. Goal: ≤ 10,305 queries, max |Δp| < 1e-6, under 60 s end to end. Tramèr et al.
 * (2016) used 41,216 queries and about 10 hours of solving for |Δp| ≈ 1e-3.
 *
 *   npx tsx bench/extraction.bench.ts [--json]
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpOracle } from '../src/api/client.ts';
import { startServer } from '../src/api/listen.ts';
import { chosenQueries } from '../src/attacks/extraction/chosen-queries.ts';
import { runAttack } from '../src/attacks/runner.ts';
import { applySplit } from '../src/data/split.ts';
import { loadAttFaces } from '../src/data/datasets/images.ts';
import { agreementOn } from '../src/metrics/fidelity.ts';
import { uniformRows } from '../src/metrics/sampling.ts';
import { LinearClassifierTrainer } from '../src/models/linear/trainers.ts';
import { DecisionTreeTrainer } from '../src/models/tree/cart.ts';
import { pathFinding } from '../src/attacks/extraction/path-finding.ts';
import { findDataset, isAvailable, loadDataset } from '../src/data/datasets/registry.ts';
import { splitIndices } from '../src/data/split.ts';
import { subsetRows, type ClassificationDataset } from '../src/data/dataset.ts';
import { Rng } from '../src/random.ts';

const json = process.argv.includes('--json');
const faces = loadAttFaces();
const { train, test } = applySplit(faces, faces.split!);
const started = performance.now();
const target = new LinearClassifierTrainer('softmax', { standardize: false }).fitSync(train);
const trainSeconds = (performance.now() - started) / 1000;
const server = await startServer({ db: join(mkdtempSync(join(tmpdir(), 'threatlab-faces-')), 'service.sqlite'), port: 0 });
const { record } = server.store.createOwner({ name: 'owner' });
const modelId = server.store.addModel(record.ownerId, 'faces', target);
server.store.publish(modelId, { price: 0.0001, policy: { kind: 'full' }, visibility: 'public' });
const attacker = server.store.createOwner({ name: 'attacker' });
const endToEnd = performance.now();
const oracle = await HttpOracle.connect(server.url, modelId, attacker.key);
const result = await runAttack(chosenQueries, oracle, { seed: 42, params: { batch: 40 } });
const seconds = (performance.now() - endToEnd) / 1000;
const surrogate = result.outcome!.surrogate;
const onTest = agreementOn(target, surrogate, test.features);
const onUniform = agreementOn(target, surrogate, uniformRows(target.schema, 1000, new Rng(1)));
const ledger = server.store.queriesUsed(attacker.record.id);

// Trees over the same server: path finding against BigML-style answers.
const treeRows: { name: string; variant: string; leaves: number; queries: number; requests: number; seconds: number; agreementTest: number; paperQueries: number | string }[] = [];
for (const [name, data, minSamplesLeaf, paperQueries] of [['steak eaters', 'steak-eaters', 5, 4013], ['GSS', 'gss-tree', 400, 2752]] as const) {
  if (!isAvailable(findDataset(data))) continue;
  const dataset = loadDataset(data) as ClassificationDataset;
  const split = splitIndices(dataset, { testFraction: 0.3, stratify: true, rng: new Rng(42) });
  const tree = new DecisionTreeTrainer({ minSamplesLeaf }).fitSync(subsetRows(dataset, split.train));
  const treeId = server.store.addModel(record.ownerId, name, tree);
  server.store.publish(treeId, { price: 0.0001, policy: { kind: 'full' }, visibility: 'public' });
  const treeOracle = await HttpOracle.connect(server.url, treeId, attacker.key);
  const treeTest = subsetRows(dataset, split.test);
  for (const variant of ['top-down', 'basic'] as const) {
    const run = await runAttack(pathFinding, treeOracle, { seed: 42, params: { variant } });
    const agreementTest = agreementOn(tree, run.outcome!.surrogate, treeTest.features).agreement;
    treeRows.push({ name, variant, leaves: tree.leafCount, queries: run.queries, requests: run.requests, seconds: run.seconds, agreementTest, paperQueries: variant === 'top-down' ? paperQueries : 'Table 5' });
  }
}
await server.close();
const report = {
  unknowns: 412160,
  queries: result.queries,
  requests: result.requests,
  ledgerQueries: ledger,
  seconds,
  targetTrainingSeconds: trainSeconds,
  maxProbabilityGap: Math.max(onTest.maxProbabilityGap, onUniform.maxProbabilityGap),
  agreementTest: onTest.agreement,
  agreementUniform: onUniform.agreement,
  paper: { queries: 41216, maxProbabilityGap: 'about 1e-3', solving: 'about 10 hours' },
  trees: treeRows,
};
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(
    [
      '| what | ours (loopback HTTP) | paper |',
      '|---|---|---|',
      `| queries (unknowns 412,160) | ${report.queries} (server ledger ${report.ledgerQueries}) | 41,216 |`,
      `| HTTP requests | ${report.requests} | — |`,
      `| end-to-end seconds | ${report.seconds.toFixed(1)} | about 10 hours of solving |`,
      `| max |Δp| (120 test faces + 1,000 uniform images) | ${report.maxProbabilityGap.toExponential(1)} | about 1e-3 |`,
      `| agreement test / uniform | ${(100 * report.agreementTest).toFixed(2)}% / ${(100 * report.agreementUniform).toFixed(2)}% | — |`,
      '',
      '| tree (path finding over HTTP) | variant | leaves | our queries | requests | seconds | agreement on test rows | paper queries |',
      '|---|---|---|---|---|---|---|---|',
      ...treeRows.map((t) => `| ${t.name} | ${t.variant} | ${t.leaves} | ${t.queries} | ${t.requests} | ${t.seconds.toFixed(2)} | ${(100 * t.agreementTest).toFixed(2)}% | ${t.paperQueries} |`),
    ].join('\n') + '\n',
  );
}
