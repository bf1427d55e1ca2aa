import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from '../testing/cli.ts';
import { footnotes, textTable } from './io.ts';

const run = runCli;

test('demo --json prints exactly one JSON document on the embedded default', async () => {
  const images = mkdtempSync(join(tmpdir(), 'threatlab-demo-'));
  const { status, stdout } = await run('demo', '--json', '--seed', '7', '--out', images);
  assert.equal(status, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.dataset.name, 'mnist');
  assert.equal(report.dataset.rows, 10000);
  assert.equal(report.split.train + report.split.test, 10000);
  assert.equal(report.seed, 7);
  assert.ok(report.target.testAccuracy > 0.9, `target test accuracy ${report.target.testAccuracy}`);
  assert.equal(report.extraction.queries, 785, 'd + 1 chosen queries over HTTP');
  assert.equal(report.extraction.ledgerQueries, report.extraction.queries, "the server's ledger equals the attacker's count");
  assert.equal(report.extraction.agreementOnTest, 1);
  assert.ok(report.extraction.maxProbabilityGap < 1e-9);
  assert.equal(report.inversion.classes, 10);
  assert.deepEqual(report.inversion.images, Array.from({ length: 10 }, (_, d) => join(images, `mi-face-${d}.png`)));
  for (const path of report.inversion.images) assert.deepEqual([...readFileSync(path).subarray(1, 4)], [0x50, 0x4e, 0x47], `${path} is a PNG`);
  assert.ok(report.inversion.meanConfidence >= 0.98, `MI-Face confidence ${report.inversion.meanConfidence}`);
  assert.ok(report.inversion.recognisedByTarget >= 8, `the target recognises ${report.inversion.recognisedByTarget} of 10 reconstructions`);
  assert.ok(report.inversion.recognisedByNearestImage >= 8, `${report.inversion.recognisedByNearestImage} of 10 reconstructions look most like a real test digit of their class`);
  assert.ok(report.extraction.target.testAccuracy > 0.8, `the served softmax's test accuracy ${report.extraction.target.testAccuracy}`);
  assert.equal(report.membership.queries, report.membership.members + report.membership.nonMembers);
  assert.ok(report.membership.auc > 0.45 && report.membership.auc < 0.7, `a well-generalising MLP leaks little: AUC ${report.membership.auc}`);
  // The demo's own report: the same records, its verdicts on top, its charts and images.
  assert.equal(report.report, join(images, 'report', 'report.html'));
  const page = readFileSync(report.report, 'utf8');
  assert.deepEqual([...page.matchAll(/data-threat="(\w+)"/g)].map((m) => m[1]), ['extraction', 'inversion', 'membership']);
  assert.equal(page.match(/<svg /g)?.length, 2, 'the extraction and ROC charts');
  assert.equal(page.match(/<figure class="face"/g)?.length, 10);
  const records = JSON.parse(readFileSync(join(images, 'report', 'report.json'), 'utf8'));
  assert.equal(records.extraction.results[0].queries, report.extraction.queries);
  assert.equal(records.membership.results[0].auc, report.membership.auc);
  const again = JSON.parse((await run('demo', '--json', '--seed', '7', '--out', images)).stdout);
  for (const value of [again, report]) {
    delete value.target.seconds;
    delete value.extraction.seconds;
    delete value.extraction.url;
    delete value.inversion.seconds;
    delete value.membership.seconds;
  }
  assert.deepEqual(again, report, 'same seed, same split and same trained model');
});

test('datasets --json lists every data set with status and counts; --verify counts them from the files', async () => {
  const fast = JSON.parse((await run('datasets', '--json')).stdout) as { datasets: { name: string; status: string; rows?: number; features?: number; classes?: number; counted?: string }[] };
  assert.ok(fast.datasets.filter((d) => d.status === 'found').every((d) => d.counted === 'registry'));
  const { status, stdout } = await run('datasets', '--verify', '--json');
  assert.equal(status, 0);
  const { datasets } = JSON.parse(stdout) as { datasets: { name: string; status: string; rows?: number; matchesPaper?: boolean }[] };
  const names = datasets.map((d) => d.name);
  for (const name of ['mnist-full', 'att-faces', 'steak', 'steak-eaters', 'gss', 'gss-tree', 'adult-income', 'adult-race', 'iris', 'heart', 'sms-spam', 'warfarin', 'warfarin-raw', 'fashion-mnist', 'circles', 'moons', 'blobs', '5-class', 'mnist', 'iris-embedded', 'spam-assassin']) {
    assert.ok(names.includes(name), `${name} is listed`);
  }
  const mnist = datasets.find((d) => d.name === 'mnist')!;
  assert.equal(mnist.status, 'found');
  assert.equal(mnist.rows, 10000);
  for (const entry of datasets) {
    assert.ok(entry.status === 'found' || entry.status === 'missing', `${entry.name}: ${entry.status}`);
    if (entry.status === 'found') assert.equal(entry.matchesPaper, true, `${entry.name} has the paper's counts`);
    const listed = fast.datasets.find((d) => d.name === entry.name)!;
    assert.equal(listed.status, entry.status, entry.name);
    const counts = (d: { rows?: number; features?: number; classes?: number }) => [d.rows, d.features, d.classes];
    if (entry.status === 'found') assert.deepEqual(counts(listed), counts(entry as typeof listed), `${entry.name}: the registry's counts are the loader's`);
  }
});

test('usage errors exit 2; under --json they are one JSON error object', async () => {
  const unknown = await run('bogus');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'bogus'/);
  const badSeed = await run('demo', '--seed', 'x', '--json');
  assert.equal(badSeed.status, 2);
  const body = JSON.parse(badSeed.stdout);
  assert.equal(body.error.code, 'usage');
  assert.match(body.error.message, /--seed/);
});

test('--help exits 0', async () => {
  const { status, stdout } = await run('--help');
  assert.equal(status, 0);
  assert.match(stdout, /datasets/);
});

test('every subcommand\'s --help marks its required options and ends with an example', async () => {
  for (const command of [['datasets'], ['demo'], ['train'], ['predict'], ['extract'], ['invert'], ['exfiltrate'], ['scrub'], ['property'], ['membership'], ['reproduce'], ['describe'], ['schema'], ['convert'], ['serve'], ['owners', 'create'], ['keys', 'create'], ['publish']]) {
    const { status, stdout } = await run(...command, '--help');
    assert.equal(status, 0, command.join(' '));
    assert.match(stdout, /\nExample:\n {2}npx threatlab \S+.*\n?$/, `${command.join(' ')} ends with an example`);
  }
  assert.match((await run('train', '--help')).stdout, /--model <kind>[\s\S]*\(required\)/);
  assert.match((await run('exfiltrate', '--help')).stdout, /--secret <file>[^\n]*\n?[^\n]*\(required\)/);
  assert.match((await run('keys', 'create', '--help')).stdout, /--owner <name>[^\n]*\n?[^\n]*\(required\)/);
});

test('long notes leave a table as shared footnotes, so it fits a screen', () => {
  const long = 'a note far longer than any column should be, which would push the table off a screen';
  const notes = footnotes([undefined, long, 'short', long]);
  assert.deepEqual(notes.markers, ['', '[1]', '[2]', '[1]']);
  assert.deepEqual(notes.lines, [`[1] ${long}`, '[2] short']);
  const table = textTable(['row', 'note'], ['a', 'b', 'c', 'd'].map((row, i) => [row, notes.markers[i]]));
  assert.ok(table.split('\n').every((line) => line.length <= 12), table);
});

test('a raw table is refused for training with the feature data set to use instead', async () => {
  const result = await runCli('train', '--dataset', 'warfarin-raw', '--model', 'linear', '--out', join(mkdtempSync(join(tmpdir(), 'threatlab-raw-')), 'm.json'), '--json');
  assert.equal(result.status, 1);
  assert.match(JSON.parse(result.stdout).error.message, /"warfarin-raw" is a raw table .*; use "warfarin"/);
});

test('an --out that is one of the command\'s own inputs is refused, naming it, and the input is left as it was: train over its CSV, scrub and extract over their model, convert over its source (a symlink to it too)', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-out-'));
  const csv = join(folder, 'rows.csv');
  writeFileSync(csv, ['a,b,label', ...Array.from({ length: 40 }, (_, i) => `${i},${i % 7},${i % 2 ? 'x' : 'y'}`)].join('\n'));
  const csvBytes = readFileSync(csv);
  const train = await run('train', '--dataset', csv, '--target', 'label', '--model', 'tree', '--out', csv, '--json');
  assert.equal(train.status, 2);
  assert.equal(JSON.parse(train.stdout).error.message, `--out ${csv} is the --dataset file itself: writing there would replace it; give another path (nothing was written)`);
  assert.deepEqual(readFileSync(csv), csvBytes);
  const model = join(folder, 'tree.json');
  assert.equal((await run('train', '--dataset', csv, '--target', 'label', '--model', 'tree', '--out', model)).status, 0);
  const modelBytes = readFileSync(model);
  const alias = join(folder, 'alias.json');
  symlinkSync(model, alias);
  for (const args of [['scrub', '--model', model, '--out', join(folder, '.', 'tree.json')], ['extract', '--model', model, '--out', alias], ['convert', model, '--out', model]]) {
    const refused = await run(...args, '--json');
    assert.equal(refused.status, 2, args.join(' '));
    assert.match(JSON.parse(refused.stdout).error.message, /is the (--model|model) file itself: writing there would replace it/, args.join(' '));
  }
  assert.deepEqual(readFileSync(model), modelBytes, 'the model file is untouched');
});

test('a reader that closes the pipe before the output comes (threatlab … | head) ends the command quietly with status 0, not with an unhandled EPIPE', async () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'threatlab.js');
  const child = spawn(process.execPath, [bin, 'datasets'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first line is written
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  assert.equal(status, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
});
