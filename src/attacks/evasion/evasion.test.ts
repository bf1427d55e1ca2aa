/**
 * Evasion attacks on small seeded cases: on a linear model the minimal L2 perturbation has a
 * closed form |w·x + b| / ‖w‖ that DeepFool and Carlini–Wagner must find; on scikit-learn's digits
 * MLP (a model made outside threatlab) with the user's own rows every attack succeeds as the
 * literature says and every adversarial row is a valid row; on Adult one-hot groups stay one-hot
 * and whole-number columns stay whole.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadAdult } from '../../data/datasets/adult.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { createMatrix, selectRows } from '../../math/matrix.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { silentProgress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { labelledRowsForModel } from '../../cli/labelled-rows.ts';
import { median } from '../../metrics/evasion.ts';
import { runAttack } from '../runner.ts';
import { hopSkipJump, inputDomain, isValidRow, runWhiteBox } from './index.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');

test('on a linear classifier DeepFool and C&W find the closed-form smallest L2 perturbation |w·x + b| / ‖w‖', async () => {
  const w = [3, -4];
  const model = new LinearClassifier({ kind: 'logistic', classes: ['no', 'yes'], schema: uniformNumericSchema(2, 'x', -10, 10), weights: createMatrix(1, 2, Float64Array.from(w)), biases: Float64Array.of(1), params: {} });
  const rng = new Rng(5);
  const inputs = createMatrix(20, 2, Float64Array.from({ length: 40 }, () => rng.between(-2, 2)));
  const exact = Array.from({ length: 20 }, (_, i) => Math.abs(w[0] * inputs.data[2 * i] + w[1] * inputs.data[2 * i + 1] + 1) / 5);
  const deepfool = await runWhiteBox(model, 'deepfool', inputs);
  const cw = await runWhiteBox(model, 'cw', inputs);
  for (const result of [deepfool, cw]) {
    assert.equal(result.summary.successes, 20, result.attack);
    result.outcomes.forEach((outcome, i) => {
      assert.ok(outcome.l2 >= exact[i] * 0.999, `${result.attack} row ${i}: ${outcome.l2} below the minimum ${exact[i]}`);
      assert.ok(outcome.l2 <= exact[i] * 1.05 + 1e-3, `${result.attack} row ${i}: ${outcome.l2} against the minimum ${exact[i]}`);
    });
  }
});

test("scikit-learn's digits MLP with the user's rows: PGD, C&W, DeepFool and L-BFGS fool it with valid rows; PGD at ε = 0.2 leaves none right", async () => {
  const model = loadModelFile(join(FIXTURES, 'digits-mlp.json')) as Classifier;
  const rows = labelledRowsForModel(join(FIXTURES, 'digits-non-members.csv'), model, 'label', silentProgress);
  const inputs = selectRows(rows.features, Uint32Array.from({ length: 40 }, (_, i) => i));
  const labels = rows.labels.subarray(0, 40);
  const domain = inputDomain(model.schema, rows.features);
  const fgsm = await runWhiteBox(model, 'fgsm', inputs, { labels, epsilon: 0.1, domain });
  const pgd = await runWhiteBox(model, 'pgd', inputs, { labels, epsilon: 0.2, steps: 20, domain });
  const pgdInSevens = await runWhiteBox(model, 'pgd', inputs, { labels, epsilon: 0.2, steps: 20, domain, batchSize: 7 });
  const pgdL2 = await runWhiteBox(model, 'pgd', inputs, { labels, epsilon: 1, norm: '2', steps: 20, domain });
  assert.deepEqual(pgdInSevens.adversarial.data, pgd.adversarial.data, 'batches of 7 rows or one of 40: the same rows (random starts are drawn row after row)');
  // Every row attacked: the batches are views of the caller's rows (no copy); only the right rows: copies.
  const before = Float64Array.from(inputs.data);
  // The model's own labels are read only where needed: with labels given and every row attacked, one prediction (the check after).
  const predict = model.predict.bind(model);
  let predictions = 0;
  model.predict = (rows) => (predictions++, predict(rows));
  const fgsmEvery = await runWhiteBox(model, 'fgsm', inputs, { labels, epsilon: 0.1, domain, attackEvery: true });
  assert.equal(predictions, 1, 'labels given, every row attacked: only the check of the adversarial rows');
  await runWhiteBox(model, 'fgsm', inputs, { labels, epsilon: 0.1, domain });
  assert.equal(predictions, 3, 'only the rows it gets right attacked: its labels read first');
  model.predict = predict;
  const fgsmEveryInSevens = await runWhiteBox(model, 'fgsm', inputs, { labels, epsilon: 0.1, domain, attackEvery: true, batchSize: 7 });
  assert.deepEqual(fgsmEveryInSevens.adversarial.data, fgsmEvery.adversarial.data, 'views of 7 rows at a time or one of 40: the same rows');
  assert.deepEqual(inputs.data, before, "the attacks read the caller's rows and leave them as they were");
  assert.equal(fgsmEvery.summary.attacked, 40);
  for (let i = 0; i < 40; i++) {
    const row = (result: typeof fgsm) => Array.from(result.adversarial.data.subarray(i * 64, (i + 1) * 64));
    if (fgsm.outcomes[i].attacked) assert.deepEqual(row(fgsm), row(fgsmEvery), `row ${i}: the same FGSM step from a copy of the right rows as from a view of all`);
  }
  const cw = await runWhiteBox(model, 'cw', inputs, { labels, domain });
  const deepfool = await runWhiteBox(model, 'deepfool', inputs, { labels, domain });
  // Two DeepFool runs of the same size at once on this thread, their awaits interleaved: each works in
  // arrays lent to it alone (spare-arrays.ts; the run above gave its back), so each gives the rows of a run alone.
  const reversed = selectRows(inputs, Array.from({ length: 40 }, (_, i) => 39 - i));
  const [together, alongside] = await Promise.all([runWhiteBox(model, 'deepfool', inputs, { labels, domain }), runWhiteBox(model, 'deepfool', reversed, { labels: labels.slice().reverse(), domain })]);
  assert.deepEqual(together.adversarial.data, deepfool.adversarial.data, 'interleaved with another run: the same rows as alone');
  for (let i = 0; i < 40; i++) assert.deepEqual(alongside.adversarial.data.subarray((39 - i) * 64, (40 - i) * 64), deepfool.adversarial.data.subarray(i * 64, (i + 1) * 64), `the other run's row ${39 - i}: row ${i} of the run alone`);
  const targeted = await runWhiteBox(model, 'cw', inputs, { labels, domain, targets: new Int32Array(40).fill(0) });
  // Szegedy's L-BFGS (a line search of L-BFGS solves per row) on the first 5 rows.
  const lbfgs = await runWhiteBox(model, 'lbfgs', selectRows(inputs, [0, 1, 2, 3, 4]), { labels: labels.subarray(0, 5), domain });
  for (const result of [fgsm, pgd, pgdL2, cw, deepfool, targeted, lbfgs]) {
    for (let i = 0; i < result.adversarial.rows; i++) assert.ok(isValidRow(domain, result.adversarial.data.subarray(i * 64, (i + 1) * 64)), `${result.attack}: row ${i} left the pixel box`);
  }
  assert.ok(pgd.summary.attacked >= 36, 'the MLP gets most of these rows right');
  assert.equal(pgd.summary.robustAccuracy, 0, 'PGD at ε = 0.2 (L∞, pixels in [0, 1])');
  assert.ok(fgsm.summary.robustAccuracy! > 0.2 && fgsm.summary.robustAccuracy! < 0.6, `one FGSM step at ε = 0.1 leaves ${fgsm.summary.robustAccuracy} right`);
  assert.ok(Math.max(...pgd.outcomes.map((outcome) => outcome.linf)) <= 0.2 + 1e-6, 'PGD stays in its ball');
  assert.ok(Math.max(...pgdL2.outcomes.map((outcome) => outcome.l2)) <= 1 + 1e-6, 'PGD under L2 stays in its ball');
  assert.ok(pgdL2.summary.successRate! >= 0.9, `PGD under L2 at ε = 1: ${pgdL2.summary.successRate}`);
  assert.equal(cw.summary.successRate, 1, 'C&W always succeeds');
  assert.equal(deepfool.summary.successRate, 1, 'DeepFool always succeeds');
  assert.ok(cw.summary.medianL2 <= deepfool.summary.medianL2 * 1.1, `C&W ${cw.summary.medianL2} vs DeepFool ${deepfool.summary.medianL2}`);
  assert.equal(lbfgs.summary.successRate, 1, "Szegedy's L-BFGS always succeeds");
  const cwFirst10 = median(cw.outcomes.slice(0, 5).filter((outcome) => outcome.success).map((outcome) => outcome.l2));
  assert.ok(lbfgs.summary.medianL2 >= cwFirst10, `its cross-entropy objective overshoots the boundary C&W stops at: ${lbfgs.summary.medianL2} vs ${cwFirst10}`);
  assert.ok(targeted.summary.successRate >= 0.9, `targeted C&W to "0": ${targeted.summary.successRate}`);
  assert.ok(targeted.outcomes.every((outcome) => !outcome.success || outcome.adversarialLabel === 0));
});

test('on Adult, adversarial rows stay valid: one-hot groups one-hot, ages and hours whole numbers', async () => {
  const adult = loadAdult('income');
  const train = selectRows(adult.features, Uint32Array.from({ length: 3000 }, (_, i) => i));
  const model = new LinearClassifierTrainer('logistic').fitSync({ ...adult, features: train, labels: adult.labels.subarray(0, 3000) });
  const inputs = selectRows(adult.features, Uint32Array.from({ length: 30 }, (_, i) => 5000 + i));
  const domain = inputDomain(adult.schema, adult.features);
  assert.ok(domain.integer.some((flag) => flag === 1) && domain.oneHot.length > 0, 'Adult has whole-number columns and one-hot groups');
  const result = await runWhiteBox(model, 'cw', inputs, { domain });
  for (let i = 0; i < inputs.rows; i++) assert.ok(isValidRow(domain, result.adversarial.data.subarray(i * inputs.cols, (i + 1) * inputs.cols)), `row ${i} is not a valid Adult row`);
  assert.ok(result.summary.successes >= 1, 'judged after repair, some rows still flip');
  // Success is judged on the repaired row, by the float64 model itself.
  assert.deepEqual(Array.from(model.predict(result.adversarial)), result.outcomes.map((outcome) => outcome.adversarialLabel));
});

test('HopSkipJump with labels only: every row it finishes is adversarial, within its per-row query budget, each query counted', async () => {
  const model = loadModelFile(join(FIXTURES, 'digits-mlp.json')) as Classifier;
  const rows = labelledRowsForModel(join(FIXTURES, 'digits-non-members.csv'), model, 'label', silentProgress);
  const inputs = selectRows(rows.features, [0, 1, 2, 3, 4]);
  const record = await runAttack(hopSkipJump({ inputs, labels: rows.labels.subarray(0, 5) }), new LocalOracle(model, { kind: 'label-only' }), { seed: 7, params: { maxQueries: 800 } });
  const outcome = record.outcome!;
  assert.equal(record.status, 'completed');
  assert.equal(outcome.summary.successes, outcome.summary.attacked);
  for (const row of outcome.rows) assert.ok(row.queries! <= 800, `${row.queries} queries`);
  assert.equal(record.queries, 5 + outcome.rows.reduce((sum, row) => sum + row.queries!, 0), 'the labels of the rows, then each row\'s own queries');
  const cw = await runWhiteBox(model, 'cw', inputs, { labels: rows.labels.subarray(0, 5) });
  assert.ok(outcome.summary.medianL2 <= 3 * cw.summary.medianL2, `HopSkipJump ${outcome.summary.medianL2} vs C&W ${cw.summary.medianL2} at 800 queries a row`);
});
