import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aucOf, aucPerClass, membershipMetrics, mostExposed, rocCurve, tprAtFpr } from './membership.ts';

test('ROC, AUC and TPR at FPR on a hand-computed example', () => {
  // scores: m 0.9, n 0.8, m 0.7, m 0.6, n 0.5, n 0.4 → 3 members, 3 non-members.
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const members = [true, false, true, true, false, false];
  const roc = rocCurve(scores, members);
  assert.deepEqual(roc.map((p) => [p.fpr, p.tpr]), [[0, 0], [0, 1 / 3], [1 / 3, 1 / 3], [1 / 3, 2 / 3], [1 / 3, 1], [2 / 3, 1], [1, 1]]);
  // Pairs (member, non-member) ranked right: 0.9 beats 3, 0.7 beats 2, 0.6 beats 2 → 7 of 9.
  assert.ok(Math.abs(aucOf(roc) - 7 / 9) < 1e-12);
  assert.deepEqual(tprAtFpr(roc, 0.01), { fpr: 0.01, fprReached: 0, tpr: 1 / 3, threshold: 0.9 });
  assert.deepEqual(tprAtFpr(roc, 0.34), { fpr: 0.34, fprReached: 1 / 3, tpr: 1, threshold: 0.6 });
  const metrics = membershipMetrics(scores, members, { prior: 0.1 });
  assert.ok(Math.abs(metrics.advantage - 2 / 3) < 1e-12);
  assert.ok(Math.abs(metrics.balancedAccuracy - 5 / 6) < 1e-12);
  // At TPR 1, FPR 1/3 with 10% members: 0.1 / (0.1 + 0.9/3) = 0.25.
  assert.ok(Math.abs(metrics.precisionAtPrior.precision - 0.25) < 1e-12);
  assert.deepEqual(mostExposed(scores, 2), [{ index: 0, score: 0.9 }, { index: 1, score: 0.8 }]);
});

test('ties count one half; random scores give AUC near 0.5; per-class AUC', () => {
  assert.equal(aucOf(rocCurve([1, 1], [true, false])), 0.5);
  const scores = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 1000);
  const members = scores.map((_, i) => i % 2 === 0);
  assert.ok(Math.abs(aucOf(rocCurve(scores, members)) - 0.5) < 0.05);
  const perClass = aucPerClass([0.9, 0.1, 0.2, 0.8], [true, false, true, false], [0, 0, 1, 1], ['a', 'b']);
  assert.deepEqual(perClass, [{ class: 'a', records: 2, auc: 1 }, { class: 'b', records: 2, auc: 0 }]);
  assert.throws(() => membershipMetrics([0.1, 0.2], [true, true]), /2 members and 0 non-members/);
  assert.throws(() => membershipMetrics([Number.NaN, 0.2], [true, false]), /scores\[0\]: is NaN/);
});
