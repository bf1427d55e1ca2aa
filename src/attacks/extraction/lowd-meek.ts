/**
 * Lowd and Meek (KDD 2005), "Adversarial learning": extraction of a binary linear classifier
 * from labels alone, the label-only baseline Tramèr et al. (2016, §5) compare with. Find a
 * positive and a negative point, binary-search the segment between them to a point x₀ on the
 * decision boundary, then for each feature j measure how far along e_j the boundary moves when
 * a reference feature r is pushed by δ: w_r·δ + w_j·t = 0 gives w_j / w_r = −δ / t. The weights
 * are recovered up to scale (which a label-only API cannot reveal), the bias from w·x₀ + b = 0.
 */

import { CapabilityError, ThreatlabError } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import { columnLayout } from '../../data/schema.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Attack } from '../types.ts';
import { labelsOf } from './answers.ts';

/** Parameters of Lowd–Meek. */
export const LOWD_MEEK_PARAMS = {
  epsilon: { type: 'number', default: 1e-6, above: 0, doc: 'binary searches stop at this share of the feature range' },
  seeds: { type: 'number', default: 100, min: 2, integer: true, doc: 'uniform points drawn to find one of each class' },
} satisfies ParamSpecs;

/** What Lowd–Meek returns. */
export interface LowdMeekOutcome {
  surrogate: LinearClassifier;
  /** Features whose boundary could not be reached inside the domain (weight taken as 0). */
  flatFeatures: number;
}

async function labelOf(oracle: Oracle, row: Float64Array): Promise<number> {
  return labelsOf(await oracle.query(createMatrix(1, row.length, row)))[0];
}

/** Binary search on the segment a→b (labels differ) for the boundary; returns the point on a's side. */
async function boundary(oracle: Oracle, a: Float64Array, b: Float64Array, labelA: number, steps: number): Promise<Float64Array> {
  let low = 0;
  let high = 1;
  for (let s = 0; s < steps; s++) {
    const middle = (low + high) / 2;
    const point = Float64Array.from(a, (value, k) => value + middle * (b[k] - value));
    if ((await labelOf(oracle, point)) === labelA) low = middle;
    else high = middle;
  }
  return Float64Array.from(a, (value, k) => value + ((low + high) / 2) * (b[k] - value));
}

/** Label-only extraction of a binary linear classifier. */
export const lowdMeek: Attack<typeof LOWD_MEEK_PARAMS, LowdMeekOutcome> = {
  name: 'lowd-meek',
  family: 'extraction',
  needs: ['label', 'scores', 'top-k', 'leaf'],
  reference: 'Lowd and Meek, Adversarial Learning, KDD 2005 (as compared in Tramèr et al. 2016, §5)',
  params: LOWD_MEEK_PARAMS,
  async run({ oracle, rng }, params) {
    const info = oracle.info;
    if (info.classes.length !== 2) throw new CapabilityError(`Lowd–Meek extracts binary linear classifiers; this model has ${info.classes.length} classes`);
    const d = info.inputSize;
    const seeds = uniformRows(info.schema, params.seeds, rng);
    const seedLabels = labelsOf(await oracle.query(seeds));
    const positive = seedLabels.indexOf(1);
    const negative = seedLabels.indexOf(0);
    if (positive < 0 || negative < 0) throw new ThreatlabError('validation', `no point of each class among ${params.seeds} uniform points; raise seeds`);
    const plus = seeds.data.slice(positive * d, (positive + 1) * d);
    const minus = seeds.data.slice(negative * d, (negative + 1) * d);
    const steps = Math.ceil(Math.log2(1 / params.epsilon));
    const x0 = await boundary(oracle, minus, plus, 0, steps);
    // Reference feature: the one whose move from x0 crosses the boundary within the domain.
    const ranges = new Float64Array(d).fill(1);
    for (const { feature, start } of columnLayout(info.schema)) if (feature.kind === 'numeric' && feature.max > feature.min) ranges[start] = feature.max - feature.min;
    const weights = new Float64Array(d);
    let reference = -1;
    let referenceSign = 0;
    for (let j = 0; j < d && reference < 0; j++) {
      const step = 0.05 * ranges[j];
      const up = Float64Array.from(x0);
      up[j] += step;
      const down = Float64Array.from(x0);
      down[j] -= step;
      const [a, b] = [await labelOf(oracle, up), await labelOf(oracle, down)];
      if (a !== b) {
        reference = j;
        referenceSign = a === 1 ? 1 : -1; // moving up in j makes the row positive: w_j > 0
      }
    }
    if (reference < 0) throw new ThreatlabError('validation', 'no feature moves the boundary near x0; the classifier may be constant');
    weights[reference] = referenceSign;
    let flatFeatures = 0;
    for (let j = 0; j < d; j++) {
      if (j === reference) continue;
      // Push the reference feature by δ (to the positive side), then search along ±e_j for the boundary.
      const delta = 0.01 * ranges[reference] * referenceSign;
      const start = Float64Array.from(x0);
      start[reference] += delta;
      let found = false;
      for (const direction of [1, -1]) {
        const far = Float64Array.from(start);
        far[j] += direction * 10 * ranges[j];
        if ((await labelOf(oracle, far)) === 1) continue;
        const crossing = await boundary(oracle, start, far, 1, steps);
        const t = crossing[j] - start[j];
        // w_ref·δ + w_j·t = 0 with |w_ref| = 1.
        weights[j] = (-weights[reference] * delta) / t;
        found = true;
        break;
      }
      if (!found) flatFeatures++;
    }
    let bias = 0;
    for (let j = 0; j < d; j++) bias -= weights[j] * x0[j];
    const w = createMatrix(1, d, weights);
    const surrogate = new LinearClassifier({ kind: 'logistic', classes: info.classes, schema: info.schema, weights: w, biases: Float64Array.from([bias]), params: { extractedBy: 'lowd-meek', note: 'weights up to scale: probabilities are not comparable' } });
    return { surrogate, flatFeatures };
  },
};
