import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/cli.ts';
import { testWithData } from '../testing/shared-data.ts';

testWithData('membership audit of a trained model: members from its training split, metrics in the record', ['att-faces'], async () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-membership-'));
  const model = join(folder, 'faces.json');
  assert.equal((await runCli('train', '--dataset', 'att-faces', '--model', 'softmax', '--out', model)).status, 0);
  const result = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', 'att-faces', '--json');
  assert.equal(result.status, 0, result.stdout);
  const record = JSON.parse(result.stdout);
  assert.equal(record.family, 'membership');
  assert.equal(record.queries, 120, '60 members and 60 of the 120 held-out faces');
  assert.ok(record.outcome.metrics.auc > 0.7, `AUC ${record.outcome.metrics.auc}`);
  assert.ok(record.outcome.metrics.roc.length > 2);
  assert.equal(record.outcome.mostExposed.length, 10);
  const unknown = await runCli('membership', '--attack', 'telepathy', '--model', model, '--dataset', 'att-faces', '--json');
  assert.match(JSON.parse(unknown.stdout).error.message, /"telepathy"; known: threshold, shadow-models, lira, rmia, label-only/);
  const wrong = await runCli('membership', '--attack', 'threshold', '--model', model, '--dataset', 'iris-embedded', '--json');
  assert.match(JSON.parse(wrong.stdout).error.message, /rows have 4 columns, the model takes 10304/);
});
