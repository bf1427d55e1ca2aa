/**
 * Threshold attacks (Yeom, Giacomelli, Fredrikson, Jha, CSF 2018; Song & Mittal 2021): a member
 * tends to have a lower loss, a higher true-class confidence and a lower answer entropy than a
 * non-member. The score is that signal; the decision threshold is chosen on the attacker's own
 * shadow model (trained on half of its population, tested on the other half) — never on the
 * target's members.
 */

import type { ParamSpecs } from '../../models/params.ts';
import { rocCurve } from '../../metrics/membership.ts';
import { entropy, probabilityRows, publishedRows, trueConfidence } from './signals.ts';
import { shadowSplit } from './shadow-data.ts';
import { subsetRows } from '../../data/dataset.ts';
import type { MembershipAttack } from './types.ts';

/** Parameters of the threshold attack. */
export const THRESHOLD_PARAMS = {
  signal: { type: 'choice', values: ['loss', 'confidence', 'entropy'] as const, default: 'loss', doc: 'what is thresholded' },
} satisfies ParamSpecs;

function signalOf(signal: 'loss' | 'confidence' | 'entropy', rows: number[][], labels: ArrayLike<number>): Float64Array {
  switch (signal) {
    case 'loss':
      // −loss = log p_y: higher for members.
      return trueConfidence(rows, labels).map((p) => Math.log(p + 1e-30));
    case 'confidence':
      return trueConfidence(rows, labels);
    case 'entropy':
      return entropy(rows).map((h) => -h);
  }
}

/** The threshold of best balanced accuracy (largest TPR − FPR) on scores whose membership is known: the attacker's own shadow data. */
export function bestThreshold(scores: ArrayLike<number>, members: ArrayLike<boolean>): number {
  let best = { threshold: Infinity, advantage: -1 };
  for (const point of rocCurve(scores, members)) if (point.tpr - point.fpr > best.advantage) best = { threshold: point.threshold, advantage: point.tpr - point.fpr };
  return best.threshold;
}

/** The threshold attack. */
export const thresholdAttack: MembershipAttack<typeof THRESHOLD_PARAMS> = {
  name: 'threshold',
  reference: 'Yeom et al., CSF 2018 (loss); Song & Mittal, USENIX Security 2021 (confidence, entropy)',
  needs: ['scores', 'top-k', 'leaf'],
  params: THRESHOLD_PARAMS,
  async run({ oracle, problem, pool, rng }, params) {
    const { candidates, population } = problem;
    const classes = candidates.classes.length;
    const answers = await oracle.query(candidates.features);
    const scores = signalOf(params.signal, probabilityRows(answers, classes), candidates.labels);
    // The attacker's threshold: best balanced accuracy of its own shadow model's in/out signals.
    const split = shadowSplit(population, problem.trainSize, rng);
    const shadow = await pool.train(problem.trainer, split.train, rng.nextUint32());
    const inside = subsetRows(population, split.inside);
    const outside = subsetRows(population, split.outside);
    const shadowScores = [
      ...signalOf(params.signal, publishedRows(shadow.predictProba(inside.features), oracle.info.policy), inside.labels),
      ...signalOf(params.signal, publishedRows(shadow.predictProba(outside.features), oracle.info.policy), outside.labels),
    ];
    const truth = [...new Array<boolean>(split.inside.length).fill(true), ...new Array<boolean>(split.outside.length).fill(false)];
    return { scores, models: 1, threshold: bestThreshold(shadowScores, truth) };
  },
};
