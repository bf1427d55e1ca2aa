import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMBERSHIP_ATTACKS } from '../attacks/membership/index.ts';
import { runMembership } from '../attacks/membership/runner.ts';
import { concatRows } from '../data/dataset.ts';
import { loadCsv } from '../data/loaders/csv.ts';
import { encodeForModel } from '../data/model-rows.ts';
import { loadModelFile, trainerParamsOf } from '../models/registry.ts';
import { loadUserModel } from '../models/load-model.ts';
import type { Classifier } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { Rng } from '../random.ts';
import { runCli } from '../testing/cli.ts';
import { testWithData } from '../testing/shared-data.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sklearn');

testWithData('membership audit of a trained model: members from the split recorded in its file, metrics in the record', ['att-faces'], async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-membership-'));
  const model = join(folder, 'faces.json');
  assert.equal((await runCli('train', '--dataset', 'att-faces', '--model', 'softmax', '--out', model)).status, 0);
  const result = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', 'att-faces', '--json');
  assert.equal(result.status, 0, result.stdout);
  const record = JSON.parse(result.stdout);
  assert.equal(record.family, 'membership');
  assert.equal(record.queries, 120, '60 members and 60 of the 120 held-out faces');
  assert.match(record.assumption, /training split threatlab train used on att-faces \(seed 42, test fraction 0.3, 280 training rows\)/);
  assert.ok(record.outcome.metrics.auc > 0.7, `AUC ${record.outcome.metrics.auc}`);
  assert.equal(record.judged.length, 120);
  assert.equal(record.outcome.mostExposed.length, 10);
  const unknown = await runCli('membership', '--attack', 'telepathy', '--model', model, '--dataset', 'att-faces', '--json');
  assert.match(JSON.parse(unknown.stdout).error.message, /"telepathy"; known: threshold, shadow-models, lira, rmia, label-only/);
  const wrong = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', 'iris-embedded', '--json');
  assert.match(JSON.parse(wrong.stdout).error.message, /trained by threatlab train on "att-faces", not on iris-embedded/);
  const shadows = await runCli('membership', '--attack', 'threshold', '--shadows', '4', '--model', model, '--dataset', 'att-faces', '--json');
  assert.equal(shadows.status, 2);
  assert.match(JSON.parse(shadows.stdout).error.message, /--shadows sets the shadow models of shadow-models, lira, rmia/);
});

test("the CLI's members are exactly the rows a model trained on: a tree that memorised random labels knows every judged member and half the non-members", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-members-'));
  const rng = new Rng(5);
  const rows = Array.from({ length: 600 }, (_, i) => `${i},${rng.uniform().toFixed(6)},${rng.uniform().toFixed(6)},${rng.uniform() < 0.5 ? 'a' : 'b'}`);
  const csv = join(folder, 'random.csv');
  writeFileSync(csv, ['id,x,y,label', ...rows].join('\n'));
  const model = join(folder, 'tree.json');
  const trained = await runCli('train', '--dataset', csv, '--target', 'label', '--model', 'tree', '--seed', '7', '--test-fraction', '0.5', '--out', model, '--json');
  assert.equal(trained.status, 0, trained.stdout);
  assert.equal(JSON.parse(trained.stdout).train, 1, 'a fully grown tree memorises its training rows');
  const scores = join(folder, 'scores.csv');
  const audit = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', csv, '--scores-out', scores, '--json');
  assert.equal(audit.status, 0, audit.stdout);
  const judged = readFileSync(scores, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const tree = loadModelFile(model) as Classifier;
  const table = loadCsv(csv);
  const byLine = new Map(table.lines.map((line, i) => [`${csv}:${line}`, i]));
  const correct = { member: 0, members: 0, nonMember: 0, nonMembers: 0 };
  const data = encodeForModel(table, { schema: tree.schema, classes: tree.classes }, 'label');
  const predicted = tree.predict(data.features);
  for (const [source, member] of judged) {
    const i = byLine.get(source)!;
    const hit = predicted[i] === data.labels[i] ? 1 : 0;
    if (member === '1') [correct.member, correct.members] = [correct.member + hit, correct.members + 1];
    else [correct.nonMember, correct.nonMembers] = [correct.nonMember + hit, correct.nonMembers + 1];
  }
  assert.equal(correct.members, 150);
  assert.equal(correct.member, correct.members, 'every judged member is a training row');
  const nonMemberAccuracy = correct.nonMember / correct.nonMembers;
  assert.ok(nonMemberAccuracy > 0.35 && nonMemberAccuracy < 0.65, `non-members are held-out rows (accuracy ${nonMemberAccuracy} on random labels)`);
  const wrongFile = join(folder, 'other.csv');
  writeFileSync(wrongFile, ['id,x,y,label', ...rows.slice(1)].join('\n'));
  const refused = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', wrongFile, '--json');
  assert.match(JSON.parse(refused.stdout).error.message, /trained by threatlab train on ".*random.csv" \(SHA-256/);
});

test('a scikit-learn MLP with known members: the CLI reports the leakage the library measures on the same rows', async () => {
  const model = join(fixtures, 'adult-mlp.json');
  const files = ['--members', join(fixtures, 'adult-members.csv'), '--non-members', join(fixtures, 'adult-non-members.csv'), '--population', join(fixtures, 'adult-population.csv')];
  const target = loadModelFile(model) as Classifier;
  const space = { schema: target.schema, classes: target.classes };
  const [members, nonMembers, population] = ['adult-members.csv', 'adult-non-members.csv', 'adult-population.csv'].map((name) => encodeForModel(loadCsv(join(fixtures, name), { missing: [''] }), space, 'income'));
  // The attacker knows the recipe: trained to convergence without early stopping.
  const recipe = { epochs: '150', validationFraction: '0', patience: '0' };
  const recipeFlags = Object.entries(recipe).flatMap(([k, v]) => ['--shadow-param', `${k}=${v}`]);
  // Every attack, with the least leakage each must see on this model (AUC; 0.5 is chance).
  const attacks: [string, string[], Record<string, unknown>, number][] = [
    ['threshold', [], {}, 0.54],
    ['shadow-models', ['--shadows', '4'], { shadows: 4 }, 0.6],
    ['shadow-models', ['--shadows', '4', '--param', 'attackModel=forest'], { shadows: 4, attackModel: 'forest' }, 0.6],
    ['lira', ['--shadows', '8'], { shadows: 8 }, 0.6],
    ['rmia', ['--shadows', '2'], { references: 2 }, 0.6],
    ['label-only', [], {}, 0.55],
    ['boundary-distance', ['--param', 'maxQueries=30', '--param', 'calibrationRows=0'], { maxQueries: 30, calibrationRows: 0 }, 0.55],
  ];
  // The library is run again on the same rows for the attacks without shadow models, and RMIA (two
  // references): enough to show the CLI wires the rows, trainer and parameters as the library would.
  const compared = new Set(['threshold', 'rmia', 'label-only', 'boundary-distance']);
  for (const [attack, extra, params, least] of attacks) {
    const cli = await runCli('membership', '--attack', attack, '--model', model, ...files, ...extra, ...recipeFlags, '--json');
    assert.equal(cli.status, 0, cli.stdout);
    const record = JSON.parse(cli.stdout);
    assert.ok(record.queries >= 2000, `${attack}: ${record.queries} queries`);
    assert.deepEqual(record.shadowTrainer.params, { hidden: '64', activation: 'relu', ...recipe }, 'the architecture is read from the exported layers');
    const library = !compared.has(attack) ? undefined : await runMembership(
      MEMBERSHIP_ATTACKS[attack],
      new LocalOracle(target),
      { candidates: concatRows(members, nonMembers), population, trainer: { kind: 'mlp', params: { ...trainerParamsOf(target), ...recipe } }, trainSize: members.features.rows },
      { seed: 42, params, members: [...new Array<boolean>(1000).fill(true), ...new Array<boolean>(1000).fill(false)] },
    );
    const ours = record.outcome.metrics.auc;
    if (library) {
      const theirs = library.outcome!.metrics!.auc;
      assert.ok(Math.abs(ours - theirs) <= 0.03, `${attack}: CLI AUC ${ours}, library ${theirs}`);
    }
    console.log(`${attack}: CLI AUC ${ours.toFixed(4)}${library ? `, library ${library.outcome!.metrics!.auc.toFixed(4)}` : ''}, TPR at 1% FPR ${record.outcome.metrics.tprAtFpr[0].tpr}`);
    assert.ok(ours > least, `${attack}: a model with a 17-point train–test gap leaks (AUC ${ours})`);
    if (attack === 'lira') assert.match(record.inPlainWords, /^in plain words: it leaks — .*0\.5 is guessing; we call 0\.55 a little and 0\.6 a leak/);
  }
});

test('an MLP saved by threatlab train, and the same MLP as tfjs, are audited with shadow models of the same recipe', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-mlp-audit-'));
  const model = join(folder, 'mlp.json');
  const tfjs = join(folder, 'tfjs');
  const trained = await runCli('train', '--dataset', 'iris-embedded', '--model', 'mlp', '--param', 'hidden=12', '--param', 'epochs=40', '--out', model, '--tfjs-out', tfjs);
  assert.equal(trained.status, 0, trained.stderr);
  const audit = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', 'iris-embedded', '--json');
  assert.equal(audit.status, 0, audit.stdout);
  const record = JSON.parse(audit.stdout);
  assert.equal(record.shadowTrainer.params.hidden, '12');
  assert.equal(record.shadowTrainer.params.epochsRun, undefined, 'bookkeeping of the fit is not a training parameter');
  const tfjsModel = (await loadUserModel(join(tfjs, 'model.json'))).model;
  assert.deepEqual(tfjsModel.schema, loadModelFile(model).schema, 'the tfjs export keeps the feature schema');
  assert.deepEqual(Object.keys(trainerParamsOf(tfjsModel)).sort(), ['activation', 'hidden'], '"source" is dropped; the architecture is read from the layers');
});
