/**
 * The test-size variant of `threatlab reproduce evasion` (an MLP on 3,000 MNIST digits, 20 rows):
 * PGD at ε = 0.3 leaves (almost) nothing right, C&W succeeds everywhere below the published
 * distortion, DeepFool too, HopSkipJump with labels only stays within its budget, and transfer
 * from the attacker's copy pays its labelling queries.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reproduceEvasion } from './evasion.ts';

test('reproduce evasion --quick: PGD, C&W, DeepFool, HopSkipJump and transfer on an MNIST MLP', async () => {
  const { rows, targets } = await reproduceEvasion({ quick: true });
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
  const transfer = rows.filter((row) => row.attack.startsWith('transfer'));
  assert.equal(transfer.length, 2);
  for (const row of transfer) assert.equal(row.queries, (500 + 2 * 20) / 20, 'the 500 labelling queries and two per row, spread over the rows');
});
