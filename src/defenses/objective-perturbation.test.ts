/**
 * Objective perturbation (Chaudhuri et al. 2011) on a user's CSV (Adult rows exported beside the
 * scikit-learn fixtures, about 2,000 complete rows): its noise shrinks as ε·n grows, so on so few
 * rows it needs a large ε (50) to come near the exact model, and a tiny one leaves far less; it
 * records pure ε-DP, and refuses what it does not cover.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClassificationDataset } from '../data/dataset.ts';
import { loadUserCsv } from '../data/user-data.ts';
import { hasCode } from '../errors.ts';
import { accuracy } from '../metrics/score.ts';
import { createTrainer } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { Rng } from '../random.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

test('objective perturbation on Adult rows from a CSV: ε = 50 close to exact on 2,000 rows, ε = 0.05 far below; pure ε-DP recorded', async () => {
  // The user's file with its incomplete rows dropped (one-hot encoding needs every cell).
  const lines = readFileSync(join(fixtures, 'adult-population.csv'), 'utf8').trim().split('\n');
  const complete = join(mkdtempSync(join(tmpdir(), 'threatlab-op-')), 'adult.csv');
  writeFileSync(complete, lines.filter((line) => !line.split(',').some((cell) => cell.trim() === '' || cell.trim() === '?')).join('\n'));
  const parts = loadUserCsv(complete, { target: 'income', task: 'classification', testFraction: 0.3, rng: new Rng(1), categorical: 'one-hot' });
  const [train, test] = [parts.train as ClassificationDataset, parts.test as ClassificationDataset];
  const fit = async (params: Record<string, unknown>, seed = 1) => (await createTrainer('logistic', params).fit(train, new Rng(seed))) as Classifier & { params: Record<string, unknown> };
  const exact = accuracy(await fit({ l2: 0.1 }), test);
  const mean = async (epsilon: number) => {
    let total = 0;
    for (const seed of [1, 2, 3]) total += accuracy(await fit({ l2: 0.1, dpEpsilon: epsilon, dpMethod: 'objective-perturbation' }, seed), test) / 3;
    return total;
  };
  const [moderate, tiny] = [await mean(50), await mean(0.05)];
  assert.ok(moderate > exact - 0.03, `ε = 50: ${moderate} vs exact ${exact}`);
  assert.ok(tiny < moderate - 0.1, `ε = 0.05: ${tiny} vs ε = 50: ${moderate}`);
  const model = await fit({ l2: 0.1, dpEpsilon: 50, dpMethod: 'objective-perturbation' });
  assert.equal(model.kind, 'logistic');
  assert.deepEqual({ ...(model.params.privacy as object), extraRidge: 0 }, { mechanism: 'objective-perturbation', epsilon: 50, delta: 0, extraRidge: 0 });
  await assert.rejects(createTrainer('softmax', { dpEpsilon: 1, dpMethod: 'objective-perturbation' }).fit(train, new Rng(1)), (e) => hasCode(e, 'validation') && /dpMethod/.test(JSON.stringify(e)));
});
