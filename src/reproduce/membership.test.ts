/**
 * The test-size variant of `threatlab reproduce membership` on the AT&T faces softmax (small and
 * overfit: strong leakage expected): every attack above chance, LiRA online the strongest at
 * low FPR, as Carlini et al. (2022) find; the boundary-distance label-only attack above the
 * noise-robustness one.
 */

import assert from 'node:assert/strict';
import { testWithData } from '../testing/shared-data.ts';
import { reproduceMembership } from './membership.ts';

testWithData('reproduce membership --quick: leakage on an overfit faces model, LiRA strongest at low FPR', ['att-faces'], async () => {
  const { rows } = await reproduceMembership({ quick: true });
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.ok(row.gap! > 0.1, `train–test gap ${row.gap}`);
  const byName = new Map(row.attacks.map((attack) => [attack.attack, attack]));
  for (const attack of row.attacks) assert.ok(attack.auc > 0.55, `${attack.attack}: AUC ${attack.auc}`);
  const lira = byName.get('LiRA online')!;
  assert.ok(lira.auc > 0.95, `LiRA AUC ${lira.auc}`);
  // Label-only: the distance to the boundary (HopSkipJump) reads more than robustness to noise.
  assert.ok(byName.get('boundary distance')!.auc > byName.get('label-only')!.auc + 0.1, `boundary ${byName.get('boundary distance')!.auc} vs noise ${byName.get('label-only')!.auc}`);
  assert.ok(byName.has('shadow models, forest'));
  for (const other of ['threshold (loss)', 'shadow models', 'shadow models, forest', 'RMIA', 'label-only', 'boundary distance']) {
    assert.ok(lira.tprAt1 >= byName.get(other)!.tprAt1, `LiRA TPR@1% ${lira.tprAt1} vs ${other} ${byName.get(other)!.tprAt1}`);
  }
});
