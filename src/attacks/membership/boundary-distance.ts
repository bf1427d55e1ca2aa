/**
 * Label-only membership by distance to the decision boundary (Choquette-Choo, Tramèr, Carlini &
 * Papernot, ICML 2021, the "decision boundary" variant): a model's training points lie farther
 * from its boundary, so each candidate's score is the L2 distance HopSkipJump needs to change its
 * label (0 when the label is already wrong), from labels only. The decision threshold is set on a
 * shadow model trained like the target on the attacker's own rows, whose members and
 * non-members are known — no query to the target for it.
 */

import { subsetRows } from '../../data/dataset.ts';
import { HOP_SKIP_JUMP_PARAMS, decisionBasedRun, hopSkipJumpRow } from '../evasion/hop-skip-jump.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Rng } from '../../random.ts';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { shadowSplit, trainShadows } from './shadow-data.ts';
import { bestThreshold } from './threshold.ts';
import type { MembershipAttack } from './types.ts';
import { silentProgress, type Progress } from '../../progress.ts';

/** Parameters of the boundary-distance attack. */
export const BOUNDARY_DISTANCE_PARAMS = {
  maxQueries: { type: 'number', default: 300, min: 10, integer: true, doc: 'HopSkipJump queries per candidate at most' },
  calibrationRows: { type: 'number', default: 50, min: 0, integer: true, doc: "shadow members and as many non-members whose distances set the threshold (0: no threshold)" },
} satisfies ParamSpecs;

/** HopSkipJump L2 distances of each row: 0 where the label is already wrong; the largest distance found where no adversarial start was. */
async function boundaryDistances(oracle: Oracle, rows: ClassificationDataset, maxQueries: number, rng: Rng, progress: Progress): Promise<Float64Array> {
  const params = { norm: '2' as const, maxQueries, iterations: HOP_SKIP_JUMP_PARAMS.iterations.default, initialEvaluations: Math.min(HOP_SKIP_JUMP_PARAMS.initialEvaluations.default, Math.max(10, Math.floor(maxQueries / 10))), gamma: HOP_SKIP_JUMP_PARAMS.gamma.default, initTries: HOP_SKIP_JUMP_PARAMS.initTries.default };
  const outcome = await decisionBasedRun(oracle, { inputs: rows.features, labels: rows.labels }, rng, progress, hopSkipJumpRow(params));
  const found = outcome.rows.filter((row) => row.success).map((row) => row.l2);
  const largest = found.length ? Math.max(...found) : 1;
  return Float64Array.from(outcome.rows, (row) => (!row.attacked ? 0 : row.success ? row.l2 : largest));
}

/** The boundary-distance attack. */
export const boundaryDistance: MembershipAttack<typeof BOUNDARY_DISTANCE_PARAMS> = {
  name: 'boundary-distance',
  reference: 'Choquette-Choo et al., ICML 2021 (decision-boundary distance by HopSkipJump, Chen et al. 2020)',
  needs: ['label', 'scores', 'top-k', 'leaf'],
  params: BOUNDARY_DISTANCE_PARAMS,
  async run(context, params) {
    const { oracle, problem, rng, progress } = context;
    const scores = await boundaryDistances(oracle, problem.candidates, params.maxQueries, rng.fork(), progress);
    if (params.calibrationRows === 0) return { scores, models: 0 };
    // The threshold: best balanced accuracy on a shadow model's own members and non-members, as the threshold attack sets its own.
    const split = shadowSplit(problem.population, problem.trainSize, rng);
    const [shadow] = await trainShadows(context, 'shadow model', 1, () => split.train);
    const take = (index: ArrayLike<number>) => subsetRows(problem.population, Array.from(index).slice(0, params.calibrationRows));
    const shadowOracle = new LocalOracle(shadow, { kind: 'label-only' });
    const inside = await boundaryDistances(shadowOracle, take(split.inside), params.maxQueries, rng.fork(), silentProgress);
    const outside = await boundaryDistances(shadowOracle, take(split.outside), params.maxQueries, rng.fork(), silentProgress);
    const truth = [...new Array<boolean>(inside.length).fill(true), ...new Array<boolean>(outside.length).fill(false)];
    return { scores, models: 1, threshold: bestThreshold([...inside, ...outside], truth) };
  },
};
