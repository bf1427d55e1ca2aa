/**
 * Extraction by retraining (Tramèr et al. 2016): query points, then train a surrogate on the
 * answers. Two attacks:
 *
 * - `mlp-retraining` (§4.1.3): with confidence scores, a network of the target's architecture
 *   trained to match the answered probability vectors (soft labels); budgets are multiples of the
 *   network's unknowns.
 * - `retraining` (§5.2, label-only): a softmax surrogate trained on answered labels, from
 *   `uniform` points, from `line-search` points (binary search between differently labelled
 *   points, which lands on the decision boundary), or `adaptive`: rounds that query the points the
 *   current surrogate is least sure of, plus uniform points.
 */

import { classificationDataset } from '../../data/dataset.ts';
import { createMatrix, selectRows, stackRows, type Matrix } from '../../math/matrix.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { foldInputScaling, Mlp } from '../../models/neural/mlp.ts';
import { columnLayout } from '../../data/schema.ts';
import { trainDense } from '../../models/neural/train-dense.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { Oracle, OracleInfo } from '../../oracle/types.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import type { Rng } from '../../random.ts';
import type { Attack } from '../types.ts';
import { labelsOf, probabilities, queryAll } from './answers.ts';

/** Parameters of MLP retraining. */
export const MLP_RETRAINING_PARAMS = {
  hidden: { type: 'integer-list', default: [20], doc: "the target's hidden layer widths (the attacker knows the architecture)" },
  activation: { type: 'choice', values: ['tanh', 'relu', 'sigmoid'] as const, default: 'tanh', doc: "the target's hidden activation" },
  budget: { type: 'number', default: 1, above: 0, doc: 'queries as a multiple of the unknowns' },
  epochs: { type: 'number', default: 1000, min: 1, integer: true, doc: 'training epochs of the surrogate' },
  learningRate: { type: 'number', default: 0.01, above: 0, doc: 'Adam step size' },
} satisfies ParamSpecs;

/** What MLP retraining returns. */
export interface MlpRetrainingOutcome {
  surrogate: Mlp;
  unknowns: number;
}

/** Unknowns of a dense network. */
export function networkUnknowns(sizes: number[]): number {
  let total = 0;
  for (let l = 1; l < sizes.length; l++) total += (sizes[l - 1] + 1) * sizes[l];
  return total;
}

/** Min-max scaling of encoded columns by the schema's ranges (one-hot and ordinal columns kept). */
function domainScaling(info: OracleInfo): { offset: Float64Array; factor: Float64Array; apply(x: Matrix): Matrix } {
  const offset = new Float64Array(info.inputSize);
  const factor = new Float64Array(info.inputSize).fill(1);
  for (const { feature, start } of columnLayout(info.schema)) {
    if (feature.kind === 'numeric' && feature.max > feature.min) {
      offset[start] = feature.min;
      factor[start] = 1 / (feature.max - feature.min);
    }
  }
  return {
    offset,
    factor,
    apply: (x) => createMatrix(x.rows, x.cols, Float64Array.from(x.data, (value, k) => (value - offset[k % x.cols]) * factor[k % x.cols])),
  };
}

/** MLP extraction from confidence scores by retraining on soft labels. */
export const mlpRetraining: Attack<typeof MLP_RETRAINING_PARAMS, MlpRetrainingOutcome> = {
  name: 'mlp-retraining',
  family: 'extraction',
  needs: ['scores'],
  reference: 'Tramèr et al. 2016, §4.1.3 (multilayer perceptrons)',
  params: MLP_RETRAINING_PARAMS,
  async run({ oracle, rng, progress }, params) {
    const info = oracle.info;
    const sizes = [info.inputSize, ...params.hidden, info.classes.length];
    const unknowns = networkUnknowns(sizes);
    const count = Math.max(1, Math.round(params.budget * unknowns));
    const x = uniformRows(info.schema, count, rng);
    const observed = probabilities(await queryAll(oracle, x), info.classes.length);
    // The attacker knows the feature domain: train on inputs scaled to [0, 1] by its ranges and
    // fold the scaling into the first layer, so the surrogate answers raw inputs.
    const scaler = domainScaling(info);
    const result = await trainDense(scaler.apply(x), { kind: 'distribution', targets: observed }, {
      sizes,
      hiddenActivation: params.activation,
      optimizer: 'adam',
      learningRate: params.learningRate,
      batchSize: Math.min(256, count),
      epochs: params.epochs,
      l2: 0,
      patience: 0,
      rng: rng.fork(),
      progress,
    });
    const layers = result.layers;
    layers[0] = foldInputScaling(layers[0], scaler.offset, scaler.factor);
    const surrogate = new Mlp({ classes: info.classes, schema: info.schema, layers, params: { extractedBy: 'mlp-retraining', queries: count } });
    return { surrogate, unknowns };
  },
};

/** Parameters of label-only retraining. */
export const RETRAINING_PARAMS = {
  strategy: { type: 'choice', values: ['uniform', 'line-search', 'adaptive'] as const, default: 'adaptive', doc: 'where the queried points come from' },
  queries: { type: 'number', default: 0, min: 0, integer: true, doc: 'rows to query (0: 10 × (d + 1))' },
  rounds: { type: 'number', default: 10, min: 1, integer: true, doc: 'adaptive rounds' },
  epsilon: { type: 'number', default: 1e-3, above: 0, doc: 'line search: stop when the segment is this short (relative to the domain)' },
  l2: { type: 'number', default: 1e-4, min: 0, doc: "the surrogate's L2 penalty" },
} satisfies ParamSpecs;

/** What label-only retraining returns. */
export interface RetrainingOutcome {
  surrogate: LinearClassifier;
  trainingPoints: number;
}

function fitSurrogate(info: OracleInfo, x: Matrix, labels: Int32Array, l2: number): LinearClassifier {
  if (new Set(labels).size < 2) {
    // One class seen so far: a constant surrogate that answers it.
    const biases = Float64Array.from(info.classes, (_, c) => (c === labels[0] ? 1 : 0));
    return new LinearClassifier({ kind: 'softmax', classes: info.classes, schema: info.schema, weights: createMatrix(info.classes.length, x.cols), biases, params: {} });
  }
  const data = classificationDataset({ name: 'queried', features: x, schema: info.schema, labels, classes: info.classes, targetName: 'label' });
  return new LinearClassifierTrainer('softmax', { l2, standardize: true }).fitSync(data);
}

/** Points on the boundary between differently labelled uniform points, by binary search. */
async function lineSearchPoints(oracle: Oracle, rng: Rng, count: number, epsilon: number): Promise<{ x: Matrix; labels: Int32Array }> {
  const info = oracle.info;
  const seeds = Math.max(2, Math.ceil(count / 12));
  let x = uniformRows(info.schema, seeds, rng);
  let labels = labelsOf(await queryAll(oracle, x));
  let used = seeds;
  const d = info.inputSize;
  while (used < count) {
    const i = rng.int(x.rows);
    const j = rng.int(x.rows);
    if (labels[i] === labels[j]) {
      const extra = uniformRows(info.schema, 1, rng);
      const label = labelsOf(await oracle.query(extra));
      x = stackRows(x, extra);
      labels = Int32Array.from([...labels, ...label]);
      used++;
      continue;
    }
    let low = Float64Array.from(x.data.subarray(i * d, (i + 1) * d));
    let high = Float64Array.from(x.data.subarray(j * d, (j + 1) * d));
    const lowLabel = labels[i];
    for (let step = 0; step < Math.ceil(Math.log2(1 / epsilon)) && used < count; step++) {
      const middle = Float64Array.from(low, (value, k) => (value + high[k]) / 2);
      const [answer] = labelsOf(await oracle.query(createMatrix(1, d, middle)));
      used++;
      x = stackRows(x, createMatrix(1, d, middle));
      labels = Int32Array.from([...labels, answer]);
      if (answer === lowLabel) low = middle;
      else high = middle;
    }
  }
  return { x, labels };
}

/** Rows of `pool` where `model` is least sure: smallest gap between its two most probable classes. */
function leastCertain(model: LinearClassifier, pool: Matrix, count: number): number[] {
  const proba = model.predictProba(pool);
  const margins = Array.from({ length: pool.rows }, (_, i) => {
    const p = Array.from(proba.data.subarray(i * proba.cols, (i + 1) * proba.cols)).sort((a, b) => b - a);
    return { i, margin: p[0] - p[1] };
  });
  return margins.sort((a, b) => a.margin - b.margin || a.i - b.i).slice(0, count).map((entry) => entry.i);
}

/** Label-only extraction by retraining a softmax surrogate. */
export const retraining: Attack<typeof RETRAINING_PARAMS, RetrainingOutcome> = {
  name: 'retraining',
  family: 'extraction',
  needs: ['label', 'scores', 'top-k', 'leaf'],
  reference: 'Tramèr et al. 2016, §5.2 (label-only: uniform, line-search and adaptive retraining)',
  params: RETRAINING_PARAMS,
  async run({ oracle, rng, progress }, params) {
    const info = oracle.info;
    const total = params.queries > 0 ? params.queries : 10 * (info.inputSize + 1);
    let x: Matrix;
    let labels: Int32Array;
    switch (params.strategy) {
      case 'uniform':
        x = uniformRows(info.schema, total, rng);
        labels = labelsOf(await queryAll(oracle, x));
        break;
      case 'line-search':
        ({ x, labels } = await lineSearchPoints(oracle, rng, total, params.epsilon));
        break;
      case 'adaptive': {
        const perRound = Math.max(1, Math.floor(total / params.rounds));
        x = uniformRows(info.schema, perRound, rng);
        labels = labelsOf(await queryAll(oracle, x));
        progress.start('adaptive rounds', params.rounds);
        for (let round = 1; round < params.rounds; round++) {
          const surrogate = fitSurrogate(info, x, labels, params.l2);
          const pool = uniformRows(info.schema, 20 * perRound, rng);
          const near = leastCertain(surrogate, pool, Math.ceil(perRound / 2));
          const batch = stackRows(selectRows(pool, near), uniformRows(info.schema, perRound - near.length, rng));
          x = stackRows(x, batch);
          labels = Int32Array.from([...labels, ...labelsOf(await queryAll(oracle, batch))]);
          progress.tick();
        }
        progress.done();
        break;
      }
    }
    const surrogate = fitSurrogate(info, x, labels, params.l2);
    return { surrogate, trainingPoints: x.rows };
  },
};
