/**
 * The test-size variant of `threatlab reproduce extraction`: thresholds derived from Tramèr et
 * al. (2016) for the rows we reproduce, on the quick variant's smaller targets.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testWithData } from '../testing/shared-data.ts';
import { reproduceExtraction, type ReproductionRow } from './extraction.ts';

let rows: ReproductionRow[] = [];
const row = (prefix: string) => {
  const found = rows.find((candidate) => candidate.name.startsWith(prefix));
  assert.ok(found?.ours, `row "${prefix}" ran`);
  return found.ours;
};

testWithData('reproduce extraction --quick: equation solving matches the paper (100% with d + 1 queries)', ['adult-income', 'adult-race', 'iris', 'att-faces', 'steak-eaters'], async () => {
  rows = await reproduceExtraction({ quick: true });
  const binary = row('Binary LR, Adult income: equation solving');
  assert.equal(binary.queries, 109);
  assert.equal(binary.fidelityTest, 1);
  assert.equal(binary.fidelityUniform, 1);
  const lowdMeek = row('Binary LR, Adult income: Lowd–Meek');
  assert.ok(lowdMeek.fidelityTest >= 0.999 && lowdMeek.fidelityUniform >= 0.999, `Lowd–Meek ${lowdMeek.fidelityTest} / ${lowdMeek.fidelityUniform}`);
  const softmax = row('Softmax LR, Adult race, 530');
  assert.equal(softmax.fidelityTest, 1);
  assert.ok(softmax.maxProbabilityGap < 1e-9);
  const ovr = row('OvR LR, Adult race, 530');
  assert.ok(ovr.fidelityTest >= 0.999 && ovr.fidelityUniform >= 0.999, `OvR ${ovr.fidelityTest} / ${ovr.fidelityUniform}`);
  const rounded = row('Softmax LR, Adult race, scores rounded to 4');
  assert.ok(rounded.fidelityTest >= 0.999, `rounded:4 ${rounded.fidelityTest}`);
  assert.equal(row('Softmax LR, Iris').fidelityTest, 1);
  const kernel = row('Kernel LR (RBF), moons');
  assert.equal(kernel.queries, 400);
  assert.ok(kernel.fidelityTest >= 0.999 && kernel.fidelityUniform >= 0.999, `kernel ${kernel.fidelityTest} / ${kernel.fidelityUniform}`);
  const faces = row('Softmax LR, AT&T faces');
  assert.equal(faces.queries, 10305, 'no more than 10,305 queries for 412,160 unknowns');
  assert.ok(faces.maxProbabilityGap < 1e-6, `max |Δp| ${faces.maxProbabilityGap}`);
  assert.equal(faces.fidelityTest, 1);
  const steak = row('Tree, steak survey (steak eaters, 12 features): path finding,');
  assert.equal(steak.fidelityTest, 1, 'path finding: 100% on the test rows, as the paper');
  assert.ok(steak.fidelityUniform > 0.99);
  assert.ok(steak.queries <= 4013, `top-down path finding within the paper's 4,013 queries: ${steak.queries}`);
  const complete = row('Tree, steak survey (steak eaters, 12 features): path finding, complete queries only');
  assert.ok(complete.fidelityUniform > 0.95, `complete queries only: ${complete.fidelityUniform}`);
  const adaptive = row('Binary LR, Adult income: label-only adaptive retraining');
  assert.ok(adaptive.queries <= 827 && adaptive.fidelityTest > 0.985, `adaptive retraining: ${adaptive.fidelityTest} on test rows from ${adaptive.queries} labels (paper > 99%)`);
  const mlp = row('MLP (20 tanh), Adult income, 1×');
  assert.ok(mlp.fidelityTest > 0.97 && mlp.fidelityUniform > 0.98, `MLP retraining at 1× unknowns: ${mlp.fidelityTest} / ${mlp.fidelityUniform}`);
});

test('an unknown reproduction is refused', async () => {
  const { runCli } = await import('../testing/cli.ts');
  const result = await runCli('reproduce', 'nothing', '--json');
  assert.equal(result.status, 1);
  assert.match(JSON.parse(result.stdout).error.message, /"nothing"; known: extraction/);
});
