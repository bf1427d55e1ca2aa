import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/cli.ts';

const run = runCli;

const folder = mkdtempSync(join(tmpdir(), 'threatlab-cli-'));

test('train on an embedded data set, then predict rows from a CSV with the saved model', async () => {
  const out = join(folder, 'iris.json');
  const trained = await run('train', '--dataset', 'iris-embedded', '--model', 'softmax', '--param', 'l2=0.1', '--out', out, '--json');
  assert.equal(trained.status, 0, trained.stdout);
  const report = JSON.parse(trained.stdout);
  assert.equal(report.metric, 'accuracy');
  assert.deepEqual(report.rows, { train: 105, test: 45 });
  assert.ok(report.test >= 0.93, `test accuracy ${report.test}`);
  assert.equal(report.params.l2, 0.1);
  const rows = join(folder, 'rows.csv');
  writeFileSync(rows, 'petal width,petal length,sepal length,sepal width\n0.2,1.4,5.1,3.5\n2.3,5.2,6.7,3.0\n');
  const predicted = await run('predict', '--model', out, '--input', rows, '--json');
  assert.equal(predicted.status, 0, predicted.stdout);
  const answer = JSON.parse(predicted.stdout);
  assert.deepEqual(answer.rows.map((row: { label: string }) => row.label), ['setosa', 'virginica']);
  const sum = Object.values(answer.rows[0].probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-12);
});

test('train a tree on a user CSV with missing values; predict a partial row', async () => {
  const csv = join(folder, 'survey.csv');
  const lines = ['age,smoker,region,risk'];
  for (let i = 0; i < 120; i++) lines.push(`${20 + (i % 50)},${i % 3 === 0 ? 'yes' : 'no'},${i % 7 === 0 ? '' : ['north', 'south'][i % 2]},${i % 3 === 0 || i % 50 > 40 ? 'high' : 'low'}`);
  writeFileSync(csv, lines.join('\n'));
  const out = join(folder, 'tree.json');
  const trained = await run('train', '--dataset', csv, '--target', 'risk', '--model', 'tree', '--out', out, '--json');
  assert.equal(trained.status, 0, trained.stdout);
  assert.ok(JSON.parse(trained.stdout).test > 0.9);
  const rows = join(folder, 'partial.csv');
  writeFileSync(rows, 'age,smoker,region\n30,yes,north\n,no,\n');
  const predicted = await run('predict', '--model', out, '--input', rows, '--json');
  assert.equal(predicted.status, 0, predicted.stdout);
  assert.equal(JSON.parse(predicted.stdout).rows[0].label, 'high');
});

test("a model that needs every value, trained on a user CSV with a blank number, names the file's line and column and writes no file; a tree trains on it", async () => {
  const csv = join(folder, 'blank-age.csv');
  const lines = ['age,smoker,income,risk'];
  for (let i = 0; i < 60; i++) lines.push(`${i === 17 ? '' : 20 + (i % 50)},${i % 3 === 0 ? 'yes' : 'no'},${1000 + i},${i % 3 === 0 ? 'high' : 'low'}`);
  writeFileSync(csv, lines.join('\n'));
  for (const model of ['logistic', 'mlp', 'naive-bayes']) {
    const out = join(folder, `blank-${model}.json`);
    const trained = await run('train', '--dataset', csv, '--target', 'risk', '--model', model, '--out', out, '--json');
    assert.equal(trained.status, 1, trained.stdout);
    const { code, message } = JSON.parse(trained.stdout).error;
    assert.equal(code, 'missing-value');
    assert.equal(message, `${csv}:19: feature "age" is missing; model "${model}" needs every value: fill it in or drop incomplete rows, or train a tree (trees take missing values)`);
    assert.equal(existsSync(out), false, `${model}: no model file`);
  }
  const tree = await run('train', '--dataset', csv, '--target', 'risk', '--model', 'tree', '--out', join(folder, 'blank-tree.json'), '--json');
  assert.equal(tree.status, 0, tree.stdout);
  assert.equal(JSON.parse(tree.stdout).rows.train + JSON.parse(tree.stdout).rows.test, 60);
});

test('bad input: unknown kind, bad parameter, CSV without --target, wrong predict columns', async () => {
  const unknown = await run('train', '--dataset', 'iris-embedded', '--model', 'forest', '--out', join(folder, 'x.json'), '--json');
  assert.equal(unknown.status, 2, 'a bad --model is a usage error');
  assert.match(JSON.parse(unknown.stdout).error.message, /"forest"; known/);
  const bad = await run('train', '--dataset', 'iris-embedded', '--model', 'tree', '--param', 'maxDepth=0', '--out', join(folder, 'x.json'));
  assert.equal(bad.status, 2, 'a bad --param is a usage error');
  assert.match(bad.stderr, /maxDepth: 0 must be ≥ 1/);
  const noFolder = await run('train', '--dataset', 'iris-embedded', '--model', 'tree', '--out', join(folder, 'no', 'such', 'x.json'), '--json');
  assert.equal(noFolder.status, 2);
  assert.match(JSON.parse(noFolder.stdout).error.message, /does not exist; create it first \(nothing was trained\)/);
  const csv = join(folder, 'tiny.csv');
  writeFileSync(csv, 'a,b\n1,x\n2,y\n');
  const noTarget = await run('train', '--dataset', csv, '--model', 'tree', '--out', join(folder, 'x.json'), '--json');
  assert.equal(noTarget.status, 2);
  assert.equal(JSON.parse(noTarget.stdout).error.code, 'usage');
  const out = join(folder, 'iris2.json');
  await run('train', '--dataset', 'iris-embedded', '--model', 'tree', '--out', out);
  const rows = join(folder, 'wrong.csv');
  writeFileSync(rows, 'petal width,colour\n1,red\n');
  const wrong = await run('predict', '--model', out, '--input', rows, '--json');
  assert.equal(wrong.status, 1);
  const error = JSON.parse(wrong.stdout).error;
  assert.equal(error.code, 'validation');
  assert.match(error.message, /petal length: the model needs this column/);
  assert.match(error.message, /colour: the model has no such feature/);
});

test('describe shows a model\'s features, classes, provenance and what its API would reveal; and a data set', async () => {
  const model = join(folder, 'describe-tree.json');
  assert.equal((await run('train', '--dataset', 'iris-embedded', '--model', 'tree', '--out', model)).status, 0);
  const described = await run('describe', '--model', model, '--json');
  assert.equal(described.status, 0, described.stdout);
  const report = JSON.parse(described.stdout);
  assert.deepEqual(report.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(report.features[0].name, 'sepal length');
  assert.equal(report.training.dataset, 'iris-embedded');
  assert.deepEqual(report.reveals.map((r: { reveals: string }) => r.reveals), ['leaf', 'leaf', 'label', 'top-k']);
  const text = await run('describe', '--model', model);
  assert.match(text.stdout, /trained by threatlab train on iris-embedded/);
  assert.match(text.stdout, /what its API would reveal/);
  const data = JSON.parse((await run('describe', '--dataset', 'iris-embedded', '--json')).stdout);
  assert.equal(data.rows, 150);
  assert.equal(data.classes.length, 3);
  const both = await run('describe', '--dataset', 'iris-embedded', '--model', model);
  assert.equal(both.status, 2);
});

test('predict takes a CSV that still has its label column and reports the accuracy (a scikit-learn model on the Iris file)', async () => {
  const model = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn', 'iris-softmax.json');
  const iris = join(import.meta.dirname, '..', '..', 'data', 'steal-ml', 'iris.csv');
  const result = JSON.parse((await run('predict', '--model', model, '--input', iris, '--json')).stdout);
  assert.equal(result.rows.length, 150);
  assert.equal(result.accuracy.label, 'class');
  assert.equal(result.accuracy.rows, 150);
  const correct = result.rows.filter((row: { label: string }, i: number) => row.label === (i < 50 ? 'Iris-setosa' : i < 100 ? 'Iris-versicolor' : 'Iris-virginica')).length;
  assert.equal(result.accuracy.accuracy, correct / 150);
  assert.ok(result.accuracy.accuracy > 0.95);
});

test('train with DP-SGD on a user CSV: the report and describe state the ε spent; a refused setting names the fix', async () => {
  const data = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn', 'digits-members.csv');
  const out = join(folder, 'dp.json');
  const params = ['hidden=16', 'epochs=5', 'batchSize=32', 'learningRate=0.01', 'standardize=false', 'dpEpsilon=3'].flatMap((p) => ['--param', p]);
  const trained = await run('train', '--dataset', data, '--target', 'label', '--model', 'mlp', ...params, '--out', out, '--json');
  assert.equal(trained.status, 0, trained.stdout);
  const report = JSON.parse(trained.stdout);
  assert.equal(report.privacy.mechanism, 'dp-sgd');
  assert.ok(report.privacy.epsilon <= 3 && report.privacy.epsilon > 2.95);
  assert.equal(report.privacy.steps, Math.ceil((5 * report.rows.train) / 32));
  const described = await run('describe', '--model', out);
  assert.match(described.stdout, /differentially private: DP-SGD, ε = 3\.00 at δ = 0\.00001/);
  const refused = await run('train', '--dataset', data, '--target', 'label', '--model', 'mlp', '--param', 'dpEpsilon=3', '--out', out, '--json');
  assert.notEqual(refused.status, 0);
  assert.match(refused.stdout, /standardize=false/);
});
