/**
 * Equation solving against a model made outside threatlab: scikit-learn's multinomial logistic
 * regression of race on Adult's other columns (fixture from test/fixtures/sklearn). Its one-hot
 * features have rare levels that independent uniform queries miss; the attack's queries deal
 * every level, so every weight is determined and the surrogate agrees on every real row.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadCsv } from '../../data/loaders/csv.ts';
import { encodeForModel } from '../../data/model-rows.ts';
import { coveringRows, unconstrainedColumns, uniformRows } from '../../metrics/sampling.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { runAttack } from '../runner.ts';
import { equationSolving } from './equation-solving.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');

test('equation solving steals a scikit-learn softmax exactly for every seed, and says so only when every level was queried', async () => {
  const target = loadModelFile(join(fixtures, 'adult-race-softmax.json')) as Classifier;
  const rows = encodeForModel(loadCsv(join(fixtures, 'adult-non-members.csv'), { missing: [''] }), { schema: target.schema, classes: target.classes }, 'race');
  const d = target.inputSize;
  const missed = [1, 2, 3, 4].map((seed) => unconstrainedColumns(uniformRows(target.schema, d + 1, new Rng(seed))).length);
  assert.ok(missed.some((count) => count > 0), `independent uniform draws miss rare levels (${missed.join(', ')} columns)`);
  for (const seed of [1, 2, 3, 4]) {
    assert.deepEqual(unconstrainedColumns(coveringRows(target.schema, d + 1, new Rng(seed))), []);
    const record = await runAttack(equationSolving, new LocalOracle(target), { seed });
    assert.equal(record.queries, d + 1);
    assert.equal(record.outcome!.method, 'exact');
    assert.deepEqual(record.outcome!.undetermined, []);
    const ours = record.outcome!.surrogate.predict(rows.features);
    const theirs = target.predict(rows.features);
    const agreement = ours.filter((label, i) => label === theirs[i]).length / ours.length;
    assert.equal(agreement, 1, `seed ${seed}: agreement ${agreement} on 1,000 real rows`);
  }
});
