/**
 * Label-only membership inference (Choquette-Choo, Tramèr, Carlini, Papernot, ICML 2021):
 * models are more robust around their training points, so the attack queries each candidate
 * and K noisy copies of it and scores the share answered with the true label. It uses labels
 * only, so it runs against any oracle, a label-only API included. Noise is Gaussian with a
 * standard deviation of `noise` × each numeric feature's range; categorical columns are kept.
 */

import { columnLayout } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { MembershipAttack } from './types.ts';

/** Parameters of the label-only attack. */
export const LABEL_ONLY_PARAMS = {
  copies: { type: 'number', default: 20, min: 1, integer: true, doc: 'noisy copies K per candidate (K + 1 queries each)' },
  noise: { type: 'number', default: 0.05, above: 0, doc: 'noise standard deviation as a share of each numeric feature range' },
} satisfies ParamSpecs;

/** The label-only (noise-robustness) attack. */
export const labelOnly: MembershipAttack<typeof LABEL_ONLY_PARAMS> = {
  name: 'label-only',
  reference: 'Choquette-Choo et al., ICML 2021',
  needs: ['label', 'scores', 'top-k', 'leaf'],
  params: LABEL_ONLY_PARAMS,
  async run({ oracle, problem, rng }, params) {
    const { candidates } = problem;
    const { rows: n, cols } = candidates.features;
    const numeric = columnLayout(candidates.schema).filter(({ feature }) => feature.kind === 'numeric');
    const copies = params.copies + 1;
    const queries = createMatrix(n * copies, cols);
    for (let i = 0; i < n; i++) {
      const source = candidates.features.data.subarray(i * cols, (i + 1) * cols);
      for (let k = 0; k < copies; k++) {
        const row = queries.data.subarray((i * copies + k) * cols, (i * copies + k + 1) * cols);
        row.set(source);
        if (k === 0) continue;
        for (const { feature, start } of numeric) {
          if (feature.kind !== 'numeric') continue;
          const range = feature.max - feature.min || 1;
          row[start] = Math.min(feature.max, Math.max(feature.min, row[start] + rng.normal(0, params.noise * range)));
        }
      }
    }
    const answers = await oracle.query(queries);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let correct = 0;
      for (let k = 0; k < copies; k++) if (answers[i * copies + k].kind !== 'value' && (answers[i * copies + k] as { label: number }).label === candidates.labels[i]) correct += 1;
      scores[i] = correct / copies;
    }
    return { scores, models: 0 };
  },
};
