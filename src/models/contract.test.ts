/**
 * One contract, every trainer (as scikit-learn's estimator checks): probabilities are rows that
 * sum to 1 in `classes` order, argmax equals predict, one seed gives one model, the JSON round
 * trip keeps every prediction, and bad input fails with a code.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classificationDataset, subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { hasCode } from '../errors.ts';
import { createMatrix, selectRows } from '../math/matrix.ts';
import { Rng } from '../random.ts';
import { modelJson } from './json-schema.ts';
import { createTrainer, loadModelFile, modelFromJson, modelFromOwnJson, saveModelFile } from './registry.ts';
import type { Classifier } from './types.ts';

const cases: { kind: string; params: Record<string, unknown> }[] = [
  { kind: 'softmax', params: {} },
  { kind: 'ovr', params: {} },
  { kind: 'kernel-logistic', params: { gamma: 0.5 } },
  { kind: 'tree', params: { maxDepth: 6 } },
  { kind: 'mlp', params: { hidden: '16', epochs: 40, learningRate: 0.01, validationFraction: 0 } },
];

const iris = loadIrisEmbedded();

async function fit(kind: string, params: Record<string, unknown>, data: ClassificationDataset, seed = 1): Promise<Classifier> {
  return (await createTrainer(kind, params).fit(data, new Rng(seed))) as Classifier;
}

for (const { kind, params } of cases) {
  describe(`${kind} satisfies the model contract`, () => {
    test('probabilities: one row per input, summing to 1, argmax = predict; learns iris', async () => {
      const model = await fit(kind, params, iris);
      assert.deepEqual(model.classes, iris.classes);
      const proba = model.predictProba(iris.features);
      assert.equal(proba.rows, iris.features.rows);
      assert.equal(proba.cols, iris.classes.length);
      for (let i = 0; i < proba.rows; i++) {
        let sum = 0;
        for (let c = 0; c < proba.cols; c++) {
          const p = proba.data[i * proba.cols + c];
          assert.ok(p >= 0 && p <= 1);
          sum += p;
        }
        assert.ok(Math.abs(sum - 1) < 1e-9, `row ${i} sums to ${sum}`);
      }
      const predicted = model.predict(iris.features);
      let correct = 0;
      for (let i = 0; i < predicted.length; i++) {
        let best = 0;
        for (let c = 1; c < proba.cols; c++) if (proba.data[i * proba.cols + c] > proba.data[i * proba.cols + best]) best = c;
        assert.equal(predicted[i], best);
        if (predicted[i] === iris.labels[i]) correct++;
      }
      assert.ok(correct / iris.features.rows >= 0.93, `training accuracy ${correct / iris.features.rows}`);
    });

    test('the same seed gives the same model; the JSON round trip keeps predictions exactly', async () => {
      const first = await fit(kind, params, iris, 7);
      const second = await fit(kind, params, iris, 7);
      assert.deepEqual(first.toJSON(), second.toJSON());
      const folder = mkdtempSync(join(tmpdir(), 'threatlab-model-'));
      saveModelFile(first, join(folder, 'model.json'));
      const restored = loadModelFile(join(folder, 'model.json')) as Classifier;
      assert.equal(restored.kind, first.kind);
      assert.deepEqual(Array.from(restored.predictProba(iris.features).data), Array.from(first.predictProba(iris.features).data));
      // The unvalidated read-back of a model this process wrote (worker threads' shadows) is the validated one.
      const json = first.toJSON();
      assert.deepEqual(modelJson.parse(json), json, 'validation takes nothing away from what toJSON writes');
      const own = modelFromOwnJson(json) as Classifier;
      assert.deepEqual(Array.from(own.predictProba(iris.features).data), Array.from((modelFromJson(json) as Classifier).predictProba(iris.features).data));
    });

    test('bad training data fails with a code', async () => {
      const empty = subsetRows(iris, []);
      await assert.rejects(fit(kind, params, empty), (e) => hasCode(e, 'validation') && /empty/.test(e.message));
      const oneClass = subsetRows(iris, Array.from({ length: 50 }, (_, i) => i));
      await assert.rejects(fit(kind, params, oneClass), (e) => hasCode(e, 'validation') && /one class/.test(e.message));
      const mismatched = { ...iris, labels: iris.labels.slice(0, 100) };
      await assert.rejects(fit(kind, params, mismatched), (e) => hasCode(e, 'validation') && /100 labels for 150 rows/.test(e.message));
      const features = createMatrix(iris.features.rows, 4, Float64Array.from(iris.features.data));
      features.data[5] = kind === 'tree' ? Infinity : NaN;
      await assert.rejects(fit(kind, params, { ...iris, features }), (e) => hasCode(e, 'validation') && /features\[1\]\[1\]/.test(e.message));
      assert.throws(() => createTrainer(kind, { ...params, bogus: 1 }), (e) => hasCode(e, 'validation') && /bogus/.test(e.message));
    });

    test('a prediction row of the wrong length fails with a code', async () => {
      const model = await fit(kind, params, iris);
      assert.throws(() => model.predictProba(createMatrix(1, 3)), (e) => hasCode(e, 'validation') && /3 values, the model takes 4/.test(e.message));
    });
  });
}

test('unknown kinds, bad parameter values, corrupted and wrong-kind model files fail with codes', () => {
  assert.throws(() => createTrainer('forest'), (e) => hasCode(e, 'validation') && /"forest"; known: logistic/.test(e.message));
  assert.throws(() => createTrainer('softmax', { l2: -1 }), (e) => hasCode(e, 'validation') && /l2: -1 must be ≥ 0/.test(e.message));
  assert.throws(() => createTrainer('tree', { criterion: 'chaos' }), (e) => hasCode(e, 'validation') && /gini, entropy/.test(e.message));
  assert.throws(() => createTrainer('mlp', { hidden: 'a,b' }), (e) => hasCode(e, 'validation') && /hidden/.test(e.message));
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-bad-'));
  writeFileSync(join(folder, 'broken.json'), '{"kind": "softmax", ');
  assert.throws(() => loadModelFile(join(folder, 'broken.json')), (e) => hasCode(e, 'parse-error') && /broken\.json/.test(e.message));
  assert.throws(() => modelFromJson({ kind: 'forest', format: 1 }, 'forest.json'), (e) => hasCode(e, 'validation') && /forest\.json is not a threatlab model/.test(e.message));
  assert.throws(() => modelFromJson({ kind: 'softmax', format: 1, classes: ['a', 'b'], schema: { features: [] }, weights: [[1]], biases: [0, 0], params: {} }, 'short.json'), (e) => hasCode(e, 'validation') && /short\.json/.test(e.message));
});

test('binary logistic regression refuses more than two classes and names the alternatives', async () => {
  await assert.rejects(fit('logistic', {}, iris), (e) => hasCode(e, 'validation') && /softmax/.test(e.message));
  const twoClasses = subsetRows(iris, Array.from({ length: 100 }, (_, i) => i + 50));
  const binary = classificationDataset({ ...twoClasses, labels: Int32Array.from(twoClasses.labels, (l) => l - 1), classes: ['versicolor', 'virginica'] });
  const model = await fit('logistic', {}, binary);
  const accuracy = model.predict(binary.features).filter((p, i) => p === binary.labels[i]).length / 100;
  assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
  assert.deepEqual(Array.from(selectRows(model.predictProba(binary.features), [0]).data).length, 2);
});
