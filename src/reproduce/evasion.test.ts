/**
 * The test-size variant of `threatlab reproduce evasion` (an MLP on 3,000 MNIST digits, 20 rows):
 * PGD at ε = 0.3 leaves (almost) nothing right, C&W succeeds everywhere below the published
 * distortion, DeepFool too, HopSkipJump with labels only stays within its budget, and transfer
 * from the attacker's copy pays its labelling queries; good words get SMS spam through naive
 * Bayes and logistic regression filters.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reproduceEvasion, type EvasionReproduction } from './evasion.ts';

// One quick run, read by both tests.
let run: Promise<EvasionReproduction> | undefined;
const quickRun = () => (run ??= reproduceEvasion({ quick: true }));

test('reproduce evasion --quick: PGD, C&W, DeepFool, HopSkipJump and transfer on an MNIST MLP', async () => {
  const { rows, targets } = await quickRun();
  assert.ok(targets[0].testAccuracy > 0.85, `MLP test accuracy ${targets[0].testAccuracy}`);
  const find = (attack: string, budget: string) => rows.find((row) => row.attack === attack && row.budget === budget)!;
  assert.ok(find('pgd', 'ε 0.3 L∞').robustAccuracy <= 0.05, `PGD ε 0.3: ${find('pgd', 'ε 0.3 L∞').robustAccuracy}`);
  assert.ok(find('fgsm', 'ε 0.1 L∞').robustAccuracy >= find('pgd', 'ε 0.3 L∞').robustAccuracy);
  const cw = find('cw', 'minimal L2');
  assert.equal(cw.successRate, 1);
  assert.ok(cw.medianL2 <= 2, `C&W median L2 ${cw.medianL2}`);
  assert.equal(find('deepfool', 'minimal L2').successRate, 1);
  const hsj = rows.find((row) => row.attack === 'hop-skip-jump')!;
  assert.equal(hsj.successRate, 1);
  assert.ok(hsj.queries <= 1000);
  assert.ok(hsj.medianL2 <= 3 * cw.medianL2, `HopSkipJump ${hsj.medianL2} at 1,000 queries vs C&W ${cw.medianL2}`);
  const boundary = rows.find((row) => row.attack === 'boundary')!;
  assert.equal(boundary.successRate, 1);
  assert.ok(boundary.medianL2 >= hsj.medianL2, `at the same budget HopSkipJump (${hsj.medianL2}) gets closer than the Boundary attack (${boundary.medianL2}), as Chen et al. report`);
  const transfer = rows.filter((row) => row.attack.startsWith('transfer'));
  assert.equal(transfer.length, 2);
  for (const row of transfer) assert.equal(row.queries, (500 + 2 * 20) / 20, 'the 500 labelling queries and two per row, spread over the rows');
});

test('reproduce evasion --quick: good words get half the caught SMS spam through both filters with fewer words than Lowd & Meek needed', async () => {
  const { spam } = await quickRun();
  assert.equal(spam.length, 6, 'naive Bayes and logistic regression, two passive lists and the active one');
  for (const row of spam) {
    assert.ok(row.testAccuracy > 0.95, `${row.filter}: ${row.testAccuracy}`);
    assert.ok(row.caught > 100, 'the test mail\'s caught spam');
    assert.equal(row.queries > 0, row.list.startsWith('active'), 'only the active list queries the filter');
  }
  const best = (filter: string, kind: string) => Math.min(...spam.filter((row) => row.filter === filter && row.list.startsWith(kind)).map((row) => row.medianWords));
  for (const filter of ['naive Bayes', 'logistic regression']) {
    assert.ok(best(filter, 'passive') <= 150, `${filter} passive: ${best(filter, 'passive')}`);
    assert.ok(best(filter, 'active') <= 30, `${filter} active: ${best(filter, 'active')}`);
  }
});
