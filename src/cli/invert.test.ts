import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/cli.ts';
import { testWithData } from '../testing/shared-data.ts';
import { startServer } from '../api/listen.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { loadDataset } from '../data/datasets/registry.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';

const CHEATED = 'Have you ever cheated on your significant other?';

testWithData('invert a survey tree: MAP through queries, white-box from the counts', ['steak-eaters'], async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-invert-'));
  const model = join(folder, 'tree.json');
  assert.equal((await runCli('train', '--dataset', 'steak-eaters', '--model', 'tree', '--out', model)).status, 0);
  const map = JSON.parse((await runCli('invert', '--attack', 'map', '--model', model, '--dataset', 'steak-eaters', '--sensitive', CHEATED, '--json')).stdout);
  assert.equal(map.positive, 'Yes');
  assert.equal(map.queries, 430 + 430 * 2, 'the confusion matrix from 430 labelled rows, then 2 levels per person');
  assert.ok(map.score.accuracy > map.baselines.majority.accuracy);
  const white = JSON.parse((await runCli('invert', '--attack', 'tree-white-box', '--model', model, '--dataset', 'steak-eaters', '--sensitive', CHEATED, '--json')).stdout);
  assert.equal(white.queries, 0);
  assert.ok(white.score.precision > 0.5, `precision ${white.score.precision}`);
  const numeric = await runCli('invert', '--attack', 'map', '--model', model, '--dataset', 'steak-eaters', '--sensitive', 'Shoe size', '--json');
  assert.equal(numeric.status, 1);
  assert.match(JSON.parse(numeric.stdout).error.message, /no such feature; a categorical feature of the model is one of/);
  const faces = await runCli('invert', '--attack', 'mi-face', '--model', model, '--json');
  assert.equal(JSON.parse(faces.stdout).error.code, 'capability');
});

test('invert a softmax with MI-Face writes one image per class', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-miface-'));
  const model = join(folder, 'iris.json');
  assert.equal((await runCli('train', '--dataset', 'iris-embedded', '--model', 'softmax', '--out', model)).status, 0);
  const result = await runCli('invert', '--attack', 'mi-face', '--model', model, '--image', '2x2', '--labels', '0,2', '--out', folder, '--json');
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(report.faces.map((face: { label: number }) => face.label), [0, 2]);
  assert.ok(report.faces.every((face: { file: string }) => existsSync(face.file)));
  assert.match(report.inPlainWords, /not that the image looks like the class .* add --dataset/);
  // With real images, each reconstruction is matched against them: confidence is not resemblance.
  const matched = JSON.parse((await runCli('invert', '--attack', 'mi-face', '--model', model, '--image', '2x2', '--dataset', 'iris-embedded', '--json')).stdout);
  assert.deepEqual(matched.identification, { dataset: 'iris-embedded', references: 150, recognised: 2 });
  assert.deepEqual(matched.faces.map((face: { identifiedAs: string }) => face.identifiedAs), ['setosa', 'virginica', 'virginica']);
  assert.match(matched.inPlainWords, /2 of 3 images look most like a real image of their own class among 150 real images \(iris-embedded; chance is 33.3%/);
  const wrongData = await runCli('invert', '--attack', 'mi-face', '--model', model, '--image', '2x2', '--dataset', 'mnist', '--json');
  assert.equal(wrongData.status, 1);
  assert.match(JSON.parse(wrongData.stdout).error.message, /mnist images have 784 pixels, the model takes 4/);
  const unknown = await runCli('invert', '--attack', 'telepathy', '--model', model, '--json');
  assert.match(JSON.parse(unknown.stdout).error.message, /"telepathy"; known: map, tree-white-box, mi-face/);
  const badShape = await runCli('invert', '--attack', 'mi-face', '--model', model, '--image', '3x3', '--json');
  assert.match(JSON.parse(badShape.stdout).error.message, /WIDTH·HEIGHT = 4/);
});

testWithData('invert a served tree over HTTP: the server ledger counts what the attacker paid', ['steak-eaters'], async () => {
  const data = loadDataset('steak-eaters') as ClassificationDataset;
  const server = await startServer({ db: join(mkdtempSync(join(tmpdir(), 'threatlab-invert-http-')), 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'steak tree', new DecisionTreeTrainer({}).fitSync(data));
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'label-only' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const result = await runCli('invert', '--attack', 'map', '--url', server.url, '--model-id', modelId, '--key', attacker.key, '--dataset', 'steak-eaters', '--sensitive', CHEATED, '--json');
    assert.equal(result.status, 0, result.stdout);
    const report = JSON.parse(result.stdout);
    assert.equal(report.queries, 430 * 3, 'labels only: the confusion matrix, then two levels per person');
    assert.equal(server.store.queriesUsed(attacker.record.id), report.queries);
    assert.ok(report.score.accuracy > report.baselines.majority.accuracy);
  } finally {
    await server.close();
  }
});

test("invert the people of the user's own CSV through a scikit-learn MLP (MAP estimator, sex of Adult's members)", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const result = await runCli('invert', '--attack', 'map', '--model', join(fixtures, 'adult-mlp.json'), '--dataset', join(fixtures, 'adult-members.csv'), '--target', 'income', '--sensitive', 'sex', '--json');
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  assert.equal(report.queries, 1000 + 1000 * 2, 'the confusion matrix from 1,000 labelled rows, then 2 levels per person');
  assert.equal(report.guesses.length, 1000);
  assert.match(report.inPlainWords, /"sex" is guessed right for .* by always guessing the commonest answer \(we call a gain over 2 points a little, 10 or more revealing\)/);
  assert.ok(report.score.accuracy >= report.baselines.majority.accuracy - 0.02, `MAP ${report.score.accuracy}, majority ${report.baselines.majority.accuracy}`);
  const noLabel = await runCli('invert', '--attack', 'map', '--model', join(fixtures, 'adult-mlp.json'), '--dataset', join(fixtures, 'adult-members.csv'), '--target', 'salary', '--sensitive', 'sex', '--json');
  assert.match(JSON.parse(noLabel.stdout).error.message, /no label column "salary"/);
});

test("MI-Face on a scikit-learn digits MLP, its reconstructions matched against the user's CSV of member images", async () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');
  const result = await runCli('invert', '--attack', 'mi-face', '--model', join(fixtures, 'digits-mlp.json'), '--dataset', join(fixtures, 'digits-members.csv'), '--target', 'label', '--json');
  assert.equal(result.status, 0, result.stdout);
  const report = JSON.parse(result.stdout);
  assert.equal(report.identification.references, 600);
  assert.ok(report.identification.recognised >= 8, `${report.identification.recognised} of 10 recognised`);
  assert.equal(report.queries, 0, 'white-box: no query paid');
  assert.match(report.inPlainWords, /the model gives away what its classes look like — \d+ of 10 images look most like a real image of their own class among 600 real images/);
});
