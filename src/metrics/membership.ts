/**
 * Membership-inference metrics (Carlini et al., "Membership Inference Attacks From First
 * Principles", S&P 2022, §III): the ROC curve of the attack's scores (higher = "member"), its
 * AUC, the true-positive rate at low false-positive rates (1%, 0.1%, 0.01%) with the threshold
 * and the FPR actually reached, the best balanced accuracy and membership advantage (TPR − FPR,
 * Yeom et al. 2018), and precision at a stated prior of membership.
 */

import { ValidationError } from '../errors.ts';

/** One operating point: predict "member" when score ≥ threshold. */
export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

/** TPR at a target FPR. */
export interface TprAtFpr {
  /** The FPR asked for. */
  fpr: number;
  /** The largest FPR ≤ the target that a threshold reaches. */
  fprReached: number;
  tpr: number;
  threshold: number;
}

/** Everything a membership report shows. */
export interface MembershipMetrics {
  members: number;
  nonMembers: number;
  auc: number;
  tprAtFpr: TprAtFpr[];
  /** max over thresholds of (TPR + TNR) / 2. */
  balancedAccuracy: number;
  /** max over thresholds of TPR − FPR. */
  advantage: number;
  /** Precision at the best-advantage threshold when a share `prior` of people are members. */
  precisionAtPrior: { prior: number; precision: number };
  /** At most ~200 points of the curve, for drawing. */
  roc: RocPoint[];
}

function check(scores: ArrayLike<number>, members: ArrayLike<boolean>): { positives: number; negatives: number } {
  if (scores.length !== members.length) throw new ValidationError('cannot score the attack', [{ path: 'members', message: `${members.length} truths for ${scores.length} scores` }]);
  let positives = 0;
  for (let i = 0; i < members.length; i++) {
    if (Number.isNaN(scores[i])) throw new ValidationError('cannot score the attack', [{ path: `scores[${i}]`, message: 'is NaN' }]);
    if (members[i]) positives += 1;
  }
  const negatives = members.length - positives;
  if (positives === 0 || negatives === 0) throw new ValidationError('cannot score the attack', [{ path: 'members', message: `${positives} members and ${negatives} non-members; both are needed` }]);
  return { positives, negatives };
}

/** The full ROC curve: one point per distinct score, from the strictest threshold down. */
export function rocCurve(scores: ArrayLike<number>, members: ArrayLike<boolean>): RocPoint[] {
  const { positives, negatives } = check(scores, members);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (members[i]) tp += 1;
    else fp += 1;
    // Tied scores share one threshold: emit a point only after the last of a tie.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[i]) continue;
    points.push({ threshold: scores[i], fpr: fp / negatives, tpr: tp / positives });
  }
  return points;
}

/** Area under the ROC curve (trapezoids; ties count one half, as the Mann–Whitney U). */
export function aucOf(roc: readonly RocPoint[]): number {
  let area = 0;
  for (let k = 1; k < roc.length; k++) area += ((roc[k].fpr - roc[k - 1].fpr) * (roc[k].tpr + roc[k - 1].tpr)) / 2;
  return area;
}

/** TPR at the largest FPR not above `target`. */
export function tprAtFpr(roc: readonly RocPoint[], target: number): TprAtFpr {
  let best = roc[0];
  for (const point of roc) if (point.fpr <= target + 1e-15 && point.tpr >= best.tpr) best = point;
  return { fpr: target, fprReached: best.fpr, tpr: best.tpr, threshold: best.threshold };
}

/** Keeps at most `count` points (always the ends and every point at FPR < 1%). */
function thin(roc: readonly RocPoint[], count = 200): RocPoint[] {
  if (roc.length <= count) return [...roc];
  const step = roc.length / count;
  return roc.filter((point, k) => k === 0 || k === roc.length - 1 || point.fpr < 0.01 || Math.floor(k / step) !== Math.floor((k - 1) / step));
}

/** All metrics of a run. */
export function membershipMetrics(scores: ArrayLike<number>, members: ArrayLike<boolean>, options: { fprs?: number[]; prior?: number } = {}): MembershipMetrics {
  const roc = rocCurve(scores, members);
  const { positives, negatives } = check(scores, members);
  const prior = options.prior ?? 0.5;
  let bestAdvantage = roc[0];
  for (const point of roc) if (point.tpr - point.fpr > bestAdvantage.tpr - bestAdvantage.fpr) bestAdvantage = point;
  const precisionDenominator = prior * bestAdvantage.tpr + (1 - prior) * bestAdvantage.fpr;
  return {
    members: positives,
    nonMembers: negatives,
    auc: aucOf(roc),
    tprAtFpr: (options.fprs ?? [0.01, 0.001, 0.0001]).map((fpr) => tprAtFpr(roc, fpr)),
    balancedAccuracy: (1 + bestAdvantage.tpr - bestAdvantage.fpr) / 2,
    advantage: bestAdvantage.tpr - bestAdvantage.fpr,
    precisionAtPrior: { prior, precision: precisionDenominator > 0 ? (prior * bestAdvantage.tpr) / precisionDenominator : Number.NaN },
    roc: thin(roc),
  };
}

/** AUC per class of the true label. */
export function aucPerClass(scores: ArrayLike<number>, members: ArrayLike<boolean>, labels: ArrayLike<number>, classes: readonly string[]): { class: string; records: number; auc: number }[] {
  return classes.flatMap((name, c) => {
    const index = Array.from({ length: labels.length }, (_, i) => i).filter((i) => labels[i] === c);
    const inClass = index.map((i) => members[i]);
    if (!inClass.includes(true) || !inClass.includes(false)) return [];
    return [{ class: name, records: index.length, auc: aucOf(rocCurve(index.map((i) => scores[i]), inClass)) }];
  });
}

/** The `count` records the attack is surest are members, most exposed first. */
export function mostExposed(scores: ArrayLike<number>, count = 10): { index: number; score: number }[] {
  return Array.from({ length: scores.length }, (_, index) => ({ index, score: scores[index] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, count);
}
