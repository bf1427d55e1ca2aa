/**
 * The functional mechanism (Zhang et al. 2012) on a user's CSV and on the warfarin dose model
 * (Fredrikson et al. 2014): large ε recovers the least-squares fit; small ε protects VKORC1 down
 * to the prior baseline and costs dosing accuracy — the paper's trade-off.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RegressionDataset } from '../data/dataset.ts';
import { loadUserCsv } from '../data/user-data.ts';
import { LinearRegressionTrainer } from '../models/linear/linear-regression.ts';
import { warfarinDpCurve } from '../reproduce/defenses-warfarin.ts';
import { Rng } from '../random.ts';
import { testWithData } from '../testing/shared-data.ts';

test('on a user CSV: large ε recovers the least-squares weights, small ε does not; the model records its ε', async () => {
  const rng = new Rng(3);
  const lines = ['dose,age,weight,smoker'];
  for (let i = 0; i < 3000; i++) {
    const [age, weight, smoker] = [rng.between(20, 80), rng.between(40, 120), rng.uniform() < 0.3 ? 'yes' : 'no'];
    lines.push(`${(0.05 * age - 0.02 * weight + (smoker === 'yes' ? 1 : 0) + rng.normal(0, 0.1)).toFixed(4)},${age.toFixed(1)},${weight.toFixed(1)},${smoker}`);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'threatlab-fm-')), 'doses.csv');
  writeFileSync(file, lines.join('\n'));
  const data = loadUserCsv(file, { target: 'dose', task: 'regression', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as RegressionDataset;
  const exact = new LinearRegressionTrainer().fitSync(data);
  const loose = await new LinearRegressionTrainer({ dpEpsilon: 1000 }).fit(data, new Rng(4));
  const tight = await new LinearRegressionTrainer({ dpEpsilon: 0.1 }).fit(data, new Rng(4));
  const gap = (model: typeof exact) => Math.max(...Array.from(model.weights, (w, j) => Math.abs(w - exact.weights[j])));
  assert.ok(gap(loose) < 0.02, `ε = 1000: largest weight gap ${gap(loose)}`);
  assert.ok(gap(tight) > 5 * gap(loose), `ε = 0.1: ${gap(tight)} vs ${gap(loose)}`);
  assert.deepEqual(loose.params.privacy, { mechanism: 'functional', epsilon: 1000, delta: 0 });
  assert.throws(() => new LinearRegressionTrainer({ dpEpsilon: 1 }).fitSync(data), /call fit\(data, rng\)/);
});

testWithData('warfarin: ε = 1 brings VKORC1 inversion to the prior baseline and multiplies the dosing error; ε = 100 keeps both near exact', ['warfarin'], async () => {
  const rows = await warfarinDpCurve(true);
  const [exact, one, hundred] = [rows.find((r) => r.epsilon === undefined)!, rows.find((r) => r.epsilon === 1)!, rows.find((r) => r.epsilon === 100)!];
  assert.ok(exact.vkorc1Accuracy > exact.baseline + 0.1, `exact model: ${exact.vkorc1Accuracy} vs baseline ${exact.baseline}`);
  assert.ok(Math.abs(one.vkorc1Accuracy - one.baseline) < 0.06, `ε = 1: ${one.vkorc1Accuracy} vs baseline ${one.baseline}`);
  assert.ok(one.doseRmse > 1.5 * exact.doseRmse, `ε = 1 dose RMSE ${one.doseRmse} vs ${exact.doseRmse}`);
  assert.ok(hundred.doseRmse < 1.25 * exact.doseRmse && hundred.vkorc1Accuracy > exact.baseline + 0.08, `ε = 100: ${hundred.doseRmse}, ${hundred.vkorc1Accuracy}`);
});
