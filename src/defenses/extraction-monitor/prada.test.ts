/**
 * The extraction detector's parts: Shapiro–Wilk W against SciPy, PRADA on a scikit-learn MLP
 * (benign digits pass, line-search retraining is flagged), and the probe detector on a
 * scikit-learn tree (path finding flagged within its first hundred queries, benign rows not).
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXTRACTION_ATTACKS } from '../../attacks/extraction/index.ts';
import { runAttack } from '../../attacks/runner.ts';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';
import { loadCsv } from '../../data/loaders/csv.ts';
import { createMatrix } from '../../math/matrix.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { MonitoredOracle } from './monitored-oracle.ts';
import { shapiroWilk } from './shapiro-wilk.ts';

const root = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures');

test('Shapiro–Wilk W matches SciPy on normal, skewed, bimodal and tiny samples', () => {
  const reference = JSON.parse(readFileSync(join(root, 'defenses', 'shapiro-reference.json'), 'utf8')) as { samples: { name: string; values: number[]; W: number }[] };
  assert.ok(reference.samples.length >= 8);
  for (const sample of reference.samples) assert.ok(Math.abs(shapiroWilk(sample.values) - sample.W) < 5e-6, `${sample.name}: ${shapiroWilk(sample.values)} vs SciPy ${sample.W}`);
  assert.ok(Number.isNaN(shapiroWilk([2, 2, 2, 2])));
  assert.throws(() => shapiroWilk([1, 2]), /3 … 5,000/);
});

test('PRADA on scikit-learn\'s digits MLP: held-out digits pass, line-search retraining is flagged within 200 queries', async () => {
  const model = loadModelFile(join(root, 'sklearn', 'digits-mlp.json')) as Classifier;
  const table = loadCsv(join(root, 'sklearn', 'digits-non-members.csv'));
  const rows = table.rows.map((row) => row.slice(0, -1).map(Number));
  const benign = new MonitoredOracle(new LocalOracle(model));
  await benign.query(createMatrix(rows.length, rows[0].length, Float64Array.from(rows.flat())));
  assert.equal(benign.reading.flagged, undefined, `benign W ${benign.reading.w}`);
  assert.ok(benign.reading.w! > 0.9);
  const watched = new MonitoredOracle(new LocalOracle(model));
  const record = await runAttack(EXTRACTION_ATTACKS.retraining, watched, { params: { strategy: 'line-search', queries: 600 }, seed: 5 });
  assert.equal(record.queries, 600, 'the monitor watches; it does not stop an in-process attack');
  assert.equal(watched.reading.flagged?.detector, 'prada');
  assert.ok(watched.reading.flagged!.atQuery <= 200, `flagged at ${watched.reading.flagged!.atQuery}`);
});

test('the probe detector flags path finding on scikit-learn\'s iris tree early, not a client replaying iris rows', async () => {
  const model = loadModelFile(join(root, 'sklearn', 'iris-tree.json')) as Classifier;
  const watched = new MonitoredOracle(new LocalOracle(model));
  await runAttack(EXTRACTION_ATTACKS['path-finding'], watched, { params: {}, seed: 2 });
  assert.equal(watched.reading.flagged?.detector, 'partial-probing');
  assert.ok(watched.reading.flagged!.atQuery <= 100, `flagged at ${watched.reading.flagged!.atQuery}`);
  const iris = loadIrisEmbedded();
  const order = new Rng(1).permutation(iris.features.rows);
  const shuffled = createMatrix(iris.features.rows, iris.features.cols, Float64Array.from(Array.from(order).flatMap((i) => Array.from(iris.features.data.subarray(i * 4, i * 4 + 4)))));
  const benign = new MonitoredOracle(new LocalOracle(model));
  await benign.query(shuffled);
  assert.equal(benign.reading.flagged, undefined, `benign probe share ${benign.reading.probeShare}, W ${benign.reading.w}`);
});
