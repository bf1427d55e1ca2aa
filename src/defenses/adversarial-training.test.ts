/**
 * Adversarial training (Madry et al. 2018) on a user's data — scikit-learn's digits as CSV: PGD
 * at the trained radius succeeds far less against the adversarially trained MLP than against
 * the same MLP trained plainly, at a modest cost in clean accuracy; the same for a CNN on the
 * digits as images. Both train on the native engine (the PGD examples made inside each batch's
 * onnxruntime graph).
 */

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runWhiteBox } from '../attacks/evasion/white-box.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { loadUserCsv } from '../data/user-data.ts';
import { hasCode } from '../errors.ts';
import { accuracy } from '../metrics/score.ts';
import { CnnTrainer } from '../models/neural/cnn.ts';
import { MlpTrainer } from '../models/neural/mlp.ts';
import { Rng } from '../random.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
const load = (file: string) => loadUserCsv(join(fixtures, file), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;

test('PGD-trained MLP on digits: robust accuracy at ε = 0.1 rises well above the plain model\'s', async () => {
  const members = load('digits-members.csv');
  const held = load('digits-non-members.csv');
  const base = { hidden: [64], epochs: 40, learningRate: 0.005, batchSize: 32, standardize: false, validationFraction: 0 };
  const plain = await new MlpTrainer(base).fit(members, new Rng(42));
  const robust = await new MlpTrainer({ ...base, adversarialEpsilon: 0.1, adversarialSteps: 5 }).fit(members, new Rng(42));
  const attack = async (model: typeof plain) => (await runWhiteBox(model, 'pgd', held.features, { labels: held.labels, epsilon: 0.1, norm: 'inf', steps: 20, seed: 3 })).summary.robustAccuracy!;
  const [plainRobust, robustRobust] = [await attack(plain), await attack(robust)];
  const [plainClean, robustClean] = [accuracy(plain, held), accuracy(robust, held)];
  assert.ok(plainRobust < 0.5, `plain model under PGD: ${plainRobust}`);
  assert.ok(robustRobust > plainRobust + 0.25, `adversarially trained under PGD: ${robustRobust} vs plain ${plainRobust}`);
  assert.ok(robustClean > 0.8 && plainClean - robustClean < 0.1, `clean accuracy ${robustClean} vs plain ${plainClean}`);
});

test('PGD-trained CNN on the digits as 8 × 8 images (trained on the native engine): robust accuracy at ε = 0.1 rises above the plain CNN\'s', async () => {
  const asImages = (data: ClassificationDataset) => ({ ...data, image: { width: 8, height: 8, channels: 1 } });
  const [members, held] = [asImages(load('digits-members.csv')), asImages(load('digits-non-members.csv'))];
  const base = { filters: [8], hidden: 32, epochs: 30, validationFraction: 0, learningRate: 0.003 };
  const plain = await new CnnTrainer(base).fit(members, new Rng(4));
  const robust = await new CnnTrainer({ ...base, adversarialEpsilon: 0.1, adversarialSteps: 5 }).fit(members, new Rng(4));
  const attack = async (model: typeof plain) => (await runWhiteBox(model, 'pgd', held.features, { labels: held.labels, epsilon: 0.1, norm: 'inf', steps: 20, seed: 3 })).summary.robustAccuracy!;
  const [plainRobust, robustRobust] = [await attack(plain), await attack(robust)];
  assert.ok(robustRobust > plainRobust + 0.1, `adversarially trained CNN under PGD: ${robustRobust} vs plain ${plainRobust}`);
  assert.ok(accuracy(robust, held) > 0.9, `clean accuracy ${accuracy(robust, held)}`);
});

test('adversarial training with DP-SGD is refused rather than silently dropped', async () => {
  const members = load('digits-members.csv');
  await assert.rejects(new MlpTrainer({ standardize: false, dpEpsilon: 4, dpDelta: 1e-4, adversarialEpsilon: 0.1 }).fit(members, new Rng(1)), (e) => hasCode(e, 'validation'));
});
