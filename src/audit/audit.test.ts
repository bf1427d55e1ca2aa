/**
 * The audit on a model made outside threatlab (scikit-learn's softmax on Iris, exported by
 * test/fixtures/sklearn/make_fixtures.py): each policy's attacks, the queries they paid, and
 * what cannot be measured said, not dropped. The output policies derived by PolicyOracle answer
 * as a service publishing the model under them would.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadIris } from '../data/datasets/iris.ts';
import { PolicyOracle } from '../defenses/output-policy.ts';
import { hasCode } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { loadModelFile } from '../models/registry.ts';
import { loadUserModel } from '../models/load-model.ts';
import { readModelDescription } from '../oracle/model-description.ts';
import type { Classifier } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { runAudit } from './run-audit.ts';
import { auditExtraction, extractionPlans } from './extraction.ts';
import { uniformNumericSchema } from '../data/schema.ts';
import { loadCsv } from '../data/loaders/csv.ts';
import { encodeForModel } from '../data/model-rows.ts';
import { silentProgress } from '../progress.ts';
import { loadMnist } from '../data/datasets/images.ts';
import { subsetRows } from '../data/dataset.ts';
import { Mlp, MlpTrainer } from '../models/neural/mlp.ts';
import { trainMalicious } from '../attacks/exfiltration/malicious-training.ts';
import { Rng } from '../random.ts';

const irisSoftmax = () => loadModelFile(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn', 'iris-softmax.json')) as Classifier;

test('PolicyOracle answers as the model published under each policy would, and refuses what full answers cannot give', async () => {
  const model = irisSoftmax();
  const rows = createMatrix(1, 4, Float64Array.from([5.9, 3.0, 5.1, 1.8]));
  const full = new LocalOracle(model, { kind: 'full' });
  const [exact] = await full.query(rows);
  const [rounded] = await new PolicyOracle(full, { kind: 'rounded', decimals: 2 }, 0.5).query(rows);
  const [top] = await new PolicyOracle(full, { kind: 'top-k', k: 1 }).query(rows);
  const [label] = await new PolicyOracle(full, { kind: 'label-only' }).query(rows);
  assert.equal(exact.kind, 'scores');
  if (exact.kind !== 'scores' || rounded.kind !== 'scores' || top.kind !== 'top-k' || label.kind !== 'label') throw new Error('answer kinds');
  assert.deepEqual(rounded.probabilities, exact.probabilities.map((p) => Math.round(p * 100) / 100));
  assert.deepEqual(top.top, [{ label: exact.label, probability: Math.max(...exact.probabilities) }]);
  assert.equal(label.label, exact.label);
  assert.equal(new PolicyOracle(full, { kind: 'rounded', decimals: 2 }, 0.5).info.price, 0.5);
  assert.equal(new PolicyOracle(full, { kind: 'label-only' }).info.reveals, 'label');
  const labelled = new LocalOracle(model, { kind: 'label-only' });
  assert.throws(() => new PolicyOracle(labelled, { kind: 'full' }), (error) => hasCode(error, 'capability') && /already answers under "label-only"/.test(error.message));
  assert.throws(() => new PolicyOracle(full, { kind: 'top-k', k: 4 }), /top-k:4 exceeds the model's 3 classes/);
});

test("auditing scikit-learn's Iris softmax: exact theft under full scores, loss minimisation when rounded, retraining when label-only", async () => {
  const model = irisSoftmax();
  const iris = loadIris();
  const result = await runAudit({
    target: new LocalOracle(model, { kind: 'full' }),
    model,
    policies: [{ kind: 'full' }, { kind: 'rounded', decimals: 2 }, { kind: 'label-only' }],
    price: 0.01,
    threats: ['extraction', 'inversion', 'membership'],
    quick: true,
    seed: 42,
    judge: { rows: iris.features, name: 'the 150 Iris rows' },
    sensitive: [],
  });
  const extraction = result.extraction!;
  const byPolicy = Object.fromEntries(extraction.results.map((r) => [r.policy, r]));
  assert.equal(byPolicy.full.attack, 'equation-solving');
  assert.equal(byPolicy.full.agreement, 1);
  assert.equal(byPolicy.full.queries, 5, 'd + 1 queries solve a 4-feature softmax exactly');
  assert.ok(Math.abs(byPolicy.full.cost - 0.05) < 1e-12, 'cost at the audit price');
  assert.equal(byPolicy['rounded:2'].attack, 'equation-solving');
  assert.ok(byPolicy['rounded:2'].agreement >= 0.95, `rounded: ${byPolicy['rounded:2'].agreement}`);
  assert.equal(byPolicy['label-only'].attack, 'retraining');
  assert.deepEqual(
    extraction.runs.map((run) => [run.policy, run.attack]),
    [
      ['full', 'equation-solving'],
      ['full', 'retraining'],
      ['rounded:2', 'equation-solving'],
      ['rounded:2', 'equation-solving'],
      ['rounded:2', 'retraining'],
      ['label-only', 'retraining'],
    ],
  );
  assert.equal(result.queries.extraction, extraction.runs.reduce((sum, run) => sum + run.record!.queries, 0), 'every query counted; none for checks on a model in hand');
  assert.equal(result.verdicts.length, 1);
  assert.equal(result.verdicts[0].level, 'high');
  assert.deepEqual(
    result.skipped.map((skip) => skip.threat),
    ['inversion', 'membership'],
  );
  assert.match(result.skipped[0].reason, /no sensitive column named/);
  assert.match(result.skipped[1].reason, /no members named/);
});

test('the malicious-training check reads a network\'s weights: high for a sign-encoded MLP, low for its benign twin, skipped without the file or for a linear model', async () => {
  const mnist = loadMnist();
  const train = subsetRows(mnist, new Rng(11).permutation(mnist.features.rows).subarray(0, 1200));
  const params = { hidden: '128', epochs: 10, standardize: false };
  const benign = await new MlpTrainer(params).fit(train, new Rng(1));
  const malicious = (await trainMalicious(new MlpTrainer(params), train, { fit: new Rng(1), secret: new Rng(2) }, { attack: 'sign' })).model;
  const audit = (model: Classifier, inHand = true) =>
    runAudit({ target: new LocalOracle(model), model: inHand ? model : undefined, policies: [{ kind: 'full' }], price: 0, threats: ['exfiltration'], quick: true, seed: 42, judge: { rows: train.features, name: 'digits' }, sensitive: [] });
  const flagged = await audit(malicious);
  assert.equal(flagged.verdicts[0].threat, 'exfiltration');
  assert.equal(flagged.verdicts[0].level, 'high');
  assert.match(flagged.verdicts[0].sentence, /sign encoding/);
  assert.equal(flagged.queries.total, 0, 'read from the weights, no query');
  const clean = await audit(benign);
  assert.equal(clean.verdicts[0].level, 'low');
  assert.equal(clean.exfiltration!.flagged, false);
  assert.match((await audit(malicious, false)).skipped[0].reason, /give the model file/);
  assert.match((await audit(irisSoftmax())).skipped[0].reason, /weights check reads networks/);
});

test("the policies' extraction attacks side by side (mlp-retraining's fits on worker threads) give the in-thread audit's runs: scikit-learn's Adult MLP, the user's non-members and population", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const model = loadModelFile(join(fixtures, 'adult-mlp.json')) as Classifier;
  const rowsOf = (file: string) => encodeForModel(loadCsv(join(fixtures, file), { missing: [''] }), { schema: model.schema, classes: model.classes }, 'income').features;
  const judge = { rows: rowsOf('adult-non-members.csv'), name: 'your non-member rows' };
  const pool = rowsOf('adult-population.csv');
  const audit = (offThread: boolean) =>
    auditExtraction({ targets: ([{ kind: 'full' }, { kind: 'rounded', decimals: 2 }] as const).map((policy) => new PolicyOracle(new LocalOracle(model, { kind: 'full' }), policy)), model, rows: judge.rows, pool, quick: true, seed: 42, progress: silentProgress, offThread });
  const [here, sideBySide] = [await audit(false), await audit(true)];
  const summary = (runs: typeof here.runs) => runs.map((run) => [run.policy, run.attack, run.record?.queries, run.agreement?.agreement]);
  assert.deepEqual(summary(sideBySide.runs), summary(here.runs));
  assert.deepEqual(sideBySide.results, here.results);
  assert.deepEqual(summary(here.runs).map(([policy, attack]) => `${policy} ${attack}`), ['full mlp-retraining', 'full retraining', 'rounded:2 mlp-retraining', 'rounded:2 retraining']);
  assert.ok(here.results[0].agreement > 0.9, `a copy from the user's rows agrees on ${here.results[0].agreement}`);
});

test("without a sensitive column, the audit says why MI-Face drew nothing: PyTorch's digits CNN (an image model, not differentiated by MI-Face), the same model served (no file), a model without images", async () => {
  const onnx = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'onnx');
  const { model } = await loadUserModel(join(onnx, 'digits-cnn.onnx'), readModelDescription(join(onnx, 'digits-cnn.description.json')));
  const reason = async (inHand: Classifier | undefined, target: Classifier) =>
    (await runAudit({ target: new LocalOracle(target), model: inHand, policies: [{ kind: 'full' }], price: 0, threats: ['inversion'], quick: true, seed: 42, sensitive: [], judge: { rows: createMatrix(1, target.inputSize), name: 'rows' } })).skipped.map((skip) => `${skip.threat}: ${skip.reason}`);
  const cnn = model as Classifier;
  assert.deepEqual(await reason(cnn, cnn), ['inversion: no sensitive column named (--sensitive COLUMN), and MI-Face differentiates linear models and MLPs, not a cnn model (invert a copy stolen from it: threatlab extract, then threatlab invert --attack mi-face)']);
  assert.deepEqual(await reason(undefined, cnn), ['inversion: no sensitive column named (--sensitive COLUMN), and MI-Face needs the model file (a served model hides its gradients)']);
  const iris = loadModelFile(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn', 'iris-softmax.json')) as Classifier;
  assert.deepEqual(await reason(iris, iris), ['inversion: no sensitive column named (--sensitive COLUMN), and the model does not take grey-scale images, which MI-Face draws']);
});

test('a quick audit caps the MLP fit where one query per unknown would pass its work bound, and refits a wide label-only surrogate in 5 rounds; small models keep the full plan', () => {
  const rng = new Rng(3);
  const network = (sizes: number[]) =>
    new Mlp({
      classes: Array.from({ length: sizes[sizes.length - 1] }, (_, c) => `c${c}`),
      schema: uniformNumericSchema(sizes[0], 'p', 0, 1),
      layers: sizes.slice(1).map((outputs, l) => ({ inputs: sizes[l], outputs, activation: l === sizes.length - 2 ? 'softmax' : 'relu', weights: Float64Array.from({ length: sizes[l] * outputs }, () => rng.normal() * 0.1), biases: new Float64Array(outputs) })),
      params: {},
    });
  const plans = (sizes: number[], quick: boolean) => Object.fromEntries(extractionPlans(new LocalOracle(network(sizes)).info, quick).map((plan) => [plan.attack, plan.params]));
  const mnist = plans([784, 128, 10], true);
  // 101,770 unknowns: 1e11 / (101,770² × 200) of a query per unknown — 4,913 queries.
  assert.equal(Math.round(mnist['mlp-retraining'].budget as number * 101770), 4913);
  assert.equal(mnist['mlp-retraining'].iterations, 200);
  assert.deepEqual(mnist.retraining, { strategy: 'adaptive', queries: 2000, rounds: 5 });
  const adultSized = plans([108, 64, 2], true);
  assert.deepEqual(adultSized['mlp-retraining'], { budget: 1, iterations: 200 });
  assert.deepEqual(adultSized.retraining, { strategy: 'adaptive', queries: 1090 });
  assert.deepEqual(plans([784, 128, 10], false)['mlp-retraining'], { budget: 1 }, 'the full audit keeps one query per unknown');
});
