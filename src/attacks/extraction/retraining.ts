/**
 * Extraction by retraining (Tramèr et al. 2016): query points, then train a surrogate on the
 * answers. Two attacks:
 *
 * - `mlp-retraining` (§4.1.3): with confidence scores, a network of the target's architecture
 *   fitted to the answered probability vectors by full-batch float64 L-BFGS (`network-fit.ts`);
 *   budgets are multiples of the network's unknowns.
 * - `retraining` (§5.2, label-only): a softmax surrogate trained on answered labels, from
 *   `uniform` points, from `line-search` points (binary search between differently labelled
 *   points, which lands on the decision boundary), or `adaptive`: rounds that query points moved
 *   onto the current surrogate's boundary, plus a few uniform points.
 */

import { ValidationError } from '../../errors.ts';
import { classificationDataset } from '../../data/dataset.ts';
import { createMatrix, selectRows, stackRows, type Matrix } from '../../math/matrix.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { foldInputScaling, Mlp } from '../../models/neural/mlp.ts';
import type { DenseLayer } from '../../models/neural/dense-network.ts';
import { columnLayout } from '../../data/schema.ts';
import { fitNetworkToProbabilities, type NetworkFitOptions } from './network-fit.ts';
import { fitNetworkOffThread } from './network-fit-thread.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { Oracle, OracleInfo } from '../../oracle/types.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import type { Rng } from '../../random.ts';
import type { Attack } from '../types.ts';
import { labelsOf, probabilities, queryAll } from './answers.ts';

/** Parameters of MLP retraining. */
export const MLP_RETRAINING_PARAMS = {
  hidden: { type: 'integer-list', default: [], doc: "the target's hidden layer widths (default: what the target's info reveals, else 20)" },
  activation: { type: 'choice', values: ['auto', 'tanh', 'relu', 'sigmoid'] as const, default: 'auto', doc: "the target's hidden activation (auto: what its info reveals, else tanh)" },
  budget: { type: 'number', default: 1, above: 0, doc: 'queries as a multiple of the unknowns' },
  loss: {
    type: 'choice',
    values: ['auto', 'logit', 'interval', 'cross-entropy'] as const,
    default: 'auto',
    doc: 'logit: the log-probability equations (full-precision scores); interval: the same, censored by the rounding of a rounded:K API; cross-entropy; auto picks by the policy and answers',
  },
  l2: {
    type: 'number',
    default: 1e-3,
    min: 0,
    doc: 'ridge penalty on the weights, used below 2× the unknowns where many networks fit the answers exactly (from 2× it would only bias the fit)',
  },
  iterations: { type: 'number', default: 3000, min: 1, integer: true, doc: 'L-BFGS iterations of the float64 fit' },
  restarts: { type: 'number', default: 1, min: 1, integer: true, doc: 'random starts; the lowest loss is kept' },
} satisfies ParamSpecs;

/** What MLP retraining returns. */
export interface MlpRetrainingOutcome {
  surrogate: Mlp;
  unknowns: number;
  /** The fit's final loss (mean over the queried rows). */
  loss: number;
  /** The architecture fitted (given, or read from the target's info). */
  hidden: number[];
  activation: string;
  /** Queries that came from the attacker's pool (the rest are uniform points). */
  poolRows: number;
}

/**
 * The rows to query: the attacker's own rows first (shuffled, as many as fit the budget), then
 * uniform points over the feature domain. Real rows put the queries where the target's inputs
 * are — on Adult, uniform points leave capital gain far from the 0 that 92% of people have.
 */
function queryRows(info: OracleInfo, count: number, pool: Matrix | undefined, rng: Rng): Matrix {
  if (!pool || pool.rows === 0) return uniformRows(info.schema, count, rng);
  if (pool.cols !== info.inputSize) throw new ValidationError('invalid pool', [{ path: 'pool', message: `rows have ${pool.cols} columns, the target takes ${info.inputSize}` }]);
  const order = rng.shuffle(Array.from({ length: pool.rows }, (_, i) => i)).slice(0, count);
  const rest = uniformRows(info.schema, count - order.length, rng);
  const x = createMatrix(count, info.inputSize);
  order.forEach((row, i) => x.data.set(pool.data.subarray(row * pool.cols, (row + 1) * pool.cols), i * info.inputSize));
  x.data.set(rest.data, order.length * info.inputSize);
  return x;
}

/** Unknowns of a dense network. */
export function networkUnknowns(sizes: number[]): number {
  let total = 0;
  for (let l = 1; l < sizes.length; l++) total += (sizes[l - 1] + 1) * sizes[l];
  return total;
}

/**
 * Numeric columns mapped onto [−1, 1] by the schema's ranges (one-hot and ordinal columns kept,
 * so zeros stay zeros): centred inputs keep the fit well conditioned — on [0, 1] the same L-BFGS
 * budget reached 98.1% instead of 99.9% on Adult at 2× the unknowns.
 */
function domainScaling(info: OracleInfo): { offset: Float64Array; factor: Float64Array; apply(x: Matrix): Matrix } {
  const offset = new Float64Array(info.inputSize);
  const factor = new Float64Array(info.inputSize).fill(1);
  for (const { feature, start } of columnLayout(info.schema)) {
    if (feature.kind === 'numeric' && feature.max > feature.min) {
      offset[start] = (feature.min + feature.max) / 2;
      factor[start] = 2 / (feature.max - feature.min);
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
  async run({ oracle, rng, progress, pool, checkpoint, offThread, signal }, params) {
    const info = oracle.info;
    const hidden = params.hidden.length > 0 ? [...params.hidden] : (info.architecture?.hidden ?? [20]);
    const revealed = info.architecture?.activation;
    const activation = params.activation !== 'auto' ? params.activation : revealed === 'relu' || revealed === 'sigmoid' || revealed === 'tanh' ? revealed : 'tanh';
    const sizes = [info.inputSize, ...hidden, info.classes.length];
    const unknowns = networkUnknowns(sizes);
    const count = Math.max(1, Math.round(params.budget * unknowns));
    const x = queryRows(info, count, pool, rng);
    const observed = probabilities(await queryAll(oracle, x), info.classes.length);
    // A rounding API's answers bound each probability to ± half its step; other zeros (rounded
    // by an unknown step, or underflowed) have no log, and are fitted by cross-entropy.
    const step = info.policy.kind === 'rounded' ? 10 ** -info.policy.decimals : undefined;
    const loss = params.loss !== 'auto' ? params.loss : step !== undefined ? 'interval' : observed.data.every((p) => p > 0) ? 'logit' : 'cross-entropy';
    if (loss === 'interval' && step === undefined) {
      throw new ValidationError('invalid attack parameters', [{ path: 'loss', message: `interval needs an API that rounds its scores (policy rounded:K); this one answers ${info.policy.kind}` }]);
    }
    if (loss === 'logit' && !observed.data.every((p) => p > 0)) {
      throw new ValidationError('invalid attack parameters', [{ path: 'loss', message: 'logit needs every probability above 0; some answers are 0 (rounded or underflowed): use loss=interval or cross-entropy' }]);
    }
    // The attacker knows the feature domain: fit on inputs scaled to [−1, 1] by its ranges and
    // fold the scaling into the first layer, so the surrogate answers raw inputs.
    const scaler = domainScaling(info);
    // The bar counts iterations (a start that converges early leaves its rest uncounted until the end).
    progress.start('MLP fit (L-BFGS iterations)', params.restarts * params.iterations);
    const fitOptions: NetworkFitOptions = {
      sizes,
      hiddenActivation: activation,
      loss,
      step,
      l2: params.budget < 2 ? params.l2 : 0,
      maxIterations: params.iterations,
      restarts: params.restarts,
      rng: rng.fork(),
      onProgress: (iterations) => progress.tick(iterations),
      onCheckpoint: checkpoint && ((layers) => checkpoint(surrogateOf(layers))),
    };
    const fit = offThread ? await fitNetworkOffThread(scaler.apply(x), observed, fitOptions, signal) : fitNetworkToProbabilities(scaler.apply(x), observed, fitOptions);
    progress.done();
    const surrogate = surrogateOf(fit.layers);
    return { surrogate, unknowns, loss: fit.loss, hidden, activation, poolRows: Math.min(pool?.rows ?? 0, count) };

    function surrogateOf(fitted: DenseLayer[]): Mlp {
      const layers = [...fitted];
      layers[0] = foldInputScaling(layers[0], scaler.offset, scaler.factor);
      return new Mlp({ classes: info.classes, schema: info.schema, layers, params: { extractedBy: 'mlp-retraining', queries: count, loss } });
    }
  },
};

/** Parameters of label-only retraining. */
export const RETRAINING_PARAMS = {
  strategy: { type: 'choice', values: ['uniform', 'line-search', 'adaptive'] as const, default: 'adaptive', doc: 'where the queried points come from' },
  queries: { type: 'number', default: 0, min: 0, integer: true, doc: 'rows to query (0: 10 × (d + 1))' },
  rounds: { type: 'number', default: 20, min: 1, integer: true, doc: 'adaptive rounds' },
  boundaryShare: { type: 'number', default: 0.9, min: 0, max: 1, doc: "adaptive: share of each round's queries moved onto the surrogate's boundary (the rest uniform)" },
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
  return new LinearClassifierTrainer('softmax', { l2, standardize: true, standardizeUnitInputs: true }).fitSync(data);
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

/**
 * Rows moved onto the surrogate's current decision boundary, where its next answers teach the
 * most (active learning's uncertainty sampling, Tramèr et al. 2016 §5.2): each row's numeric
 * columns are shifted along the normal of the boundary between its two most probable classes
 * (one-hot columns stay valid rows), then clipped to the domain. Without numeric columns, the
 * rows of a larger pool with the smallest gap between those two classes are taken instead.
 */
function boundaryRows(model: LinearClassifier, info: OracleInfo, count: number, rng: Rng): Matrix {
  const numeric = columnLayout(info.schema).filter(({ feature }) => feature.kind === 'numeric');
  if (numeric.length === 0) {
    const pool = uniformRows(info.schema, 20 * count, rng);
    const proba = model.predictProba(pool);
    const gap = (i: number) => {
      const p = Array.from(proba.data.subarray(i * proba.cols, (i + 1) * proba.cols)).sort((a, b) => b - a);
      return p[0] - p[1];
    };
    const order = Array.from({ length: pool.rows }, (_, i) => i).sort((a, b) => gap(a) - gap(b) || a - b);
    return selectRows(pool, order.slice(0, count));
  }
  const rows = uniformRows(info.schema, count, rng);
  const d = rows.cols;
  const weights = model.weights;
  const proba = model.predictProba(rows);
  for (let i = 0; i < count; i++) {
    const row = rows.data.subarray(i * d, (i + 1) * d);
    const p = proba.data.subarray(i * proba.cols, (i + 1) * proba.cols);
    const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]);
    const [first, second] = order;
    // Binary logistic models have one score row: its boundary is z = 0.
    const normal = (j: number) => (weights.rows === 1 ? weights.data[j] : weights.data[first * d + j] - weights.data[second * d + j]);
    let margin = weights.rows === 1 ? model.biases[0] : model.biases[first] - model.biases[second];
    for (let j = 0; j < d; j++) margin += normal(j) * row[j];
    let norm = 0;
    for (const { start } of numeric) norm += normal(start) ** 2;
    if (norm === 0) continue;
    for (const { start, feature } of numeric) {
      if (feature.kind !== 'numeric') continue;
      row[start] = Math.min(feature.max, Math.max(feature.min, row[start] - (margin * normal(start)) / norm));
    }
  }
  return rows;
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
          const near = Math.min(perRound, Math.ceil(perRound * params.boundaryShare));
          const batch = stackRows(boundaryRows(surrogate, info, near, rng), uniformRows(info.schema, perRound - near, rng));
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
