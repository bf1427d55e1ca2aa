/**
 * Least-squares linear regression with an optional ridge penalty, solved exactly from the
 * centred normal equations by Cholesky (float64); collinear features (a full one-hot group)
 * get the minimum-norm solution, as a least-squares solver gives. Fredrikson et al. (USENIX Sec 2014) invert
 * the warfarin dose model of this form; its training RMSE is the σ of their Gaussian error model.
 */

import type { Dataset, RegressionDataset } from '../../data/dataset.ts';
import { columnRanges, type FeatureSchema } from '../../data/schema.ts';
import { functionalMechanismFit } from '../../defenses/functional-mechanism.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { choleskySolve, pseudoInverseSolve } from '../../math/linalg.ts';
import { createMatrix, plainArray, type Matrix } from '../../math/matrix.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import type { Regressor, Trainer } from '../types.ts';
import { checkInput, checkTrainingData } from '../validate.ts';

/** Parameters of linear regression. */
export const LINEAR_REGRESSION_PARAMS = {
  l2: { type: 'number', default: 0, min: 0, doc: 'ridge penalty on the weights (0: ordinary least squares)' },
  dpEpsilon: { type: 'number', default: 0, min: 0, doc: 'fit with the functional mechanism (Zhang et al. 2012), ε-differentially private (0: off; the l2 penalty is not used then)' },
} satisfies ParamSpecs;

/** JSON form of a linear regression. */
export interface LinearRegressionJson {
  kind: 'linear';
  format: 1;
  schema: FeatureSchema;
  targetName: string;
  weights: number[];
  bias: number;
  trainingRmse: number;
  params: Record<string, unknown>;
}

/** A fitted linear regression y = w·x + b. */
export class LinearRegression implements Regressor {
  readonly task = 'regression' as const;
  readonly kind = 'linear' as const;
  readonly schema: FeatureSchema;
  readonly targetName: string;
  readonly inputSize: number;
  readonly weights: Float64Array;
  readonly bias: number;
  readonly trainingRmse: number;
  readonly params: Record<string, unknown>;

  constructor(init: { schema: FeatureSchema; targetName: string; weights: Float64Array; bias: number; trainingRmse: number; params: Record<string, unknown> }) {
    this.schema = init.schema;
    this.targetName = init.targetName;
    this.weights = init.weights;
    this.bias = init.bias;
    this.trainingRmse = init.trainingRmse;
    this.inputSize = init.weights.length;
    this.params = init.params;
  }

  predictValues(features: Matrix): Float64Array {
    checkInput(this.kind, this.inputSize, features, { schema: this.schema });
    const d = this.inputSize;
    const out = new Float64Array(features.rows);
    for (let i = 0; i < features.rows; i++) {
      let y = this.bias;
      for (let j = 0; j < d; j++) y += this.weights[j] * features.data[i * d + j];
      out[i] = y;
    }
    return out;
  }

  toJSON(): LinearRegressionJson {
    return {
      kind: 'linear',
      format: 1,
      schema: this.schema,
      targetName: this.targetName,
      weights: plainArray(this.weights),
      bias: this.bias,
      trainingRmse: this.trainingRmse,
      params: this.params,
    };
  }
}

/** Trains a linear regression. */
export class LinearRegressionTrainer implements Trainer<LinearRegression> {
  readonly kind = 'linear' as const;
  readonly task = 'regression' as const;
  readonly params: ParamValues<typeof LINEAR_REGRESSION_PARAMS>;

  constructor(params: Record<string, unknown> = {}) {
    this.params = resolveParams('linear', LINEAR_REGRESSION_PARAMS, params);
  }

  /** Fits; the functional mechanism (dpEpsilon > 0) needs `rng` for its noise. */
  fitSync(data: Dataset, rng?: Rng): LinearRegression {
    if (data.task !== 'regression') {
      throw new ThreatlabError('validation', `model "linear" is a regressor, but data set "${data.name}" has class labels; use "logistic", "softmax" or "ovr"`);
    }
    checkTrainingData('linear', data);
    if (this.params.dpEpsilon > 0) return this.fitPrivately(data, rng);
    const { rows: n, cols: d, data: x } = data.features;
    const mean = new Float64Array(d);
    let targetMean = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
      targetMean += data.targets[i] / n;
    }
    const normal = createMatrix(d, d);
    const right = new Float64Array(d);
    const centred = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) centred[j] = x[i * d + j] - mean[j];
      const y = data.targets[i] - targetMean;
      for (let j = 0; j < d; j++) {
        right[j] += centred[j] * y;
        for (let k = 0; k <= j; k++) normal.data[j * d + k] += centred[j] * centred[k];
      }
    }
    for (let j = 0; j < d; j++) {
      normal.data[j * d + j] += this.params.l2;
      for (let k = 0; k < j; k++) normal.data[k * d + j] = normal.data[j * d + k];
    }
    const weights = solveNormalEquations(normal, right);
    let bias = targetMean;
    for (let j = 0; j < d; j++) bias -= weights[j] * mean[j];
    const model = new LinearRegression({ schema: data.schema, targetName: data.targetName, weights, bias, trainingRmse: 0, params: { ...this.params } });
    const predicted = model.predictValues(data.features);
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (predicted[i] - data.targets[i]) ** 2;
    return new LinearRegression({ schema: data.schema, targetName: data.targetName, weights, bias, trainingRmse: Math.sqrt(squares / n), params: { ...this.params } });
  }

  async fit(data: Dataset, rng: Rng): Promise<LinearRegression> {
    return this.fitSync(data, rng);
  }

  /** The functional mechanism (src/defenses/functional-mechanism.ts); the column ranges come from the schema, the target's from the rows. */
  private fitPrivately(data: RegressionDataset, rng: Rng | undefined): LinearRegression {
    if (!rng) throw new ValidationError('cannot fit "linear" with dpEpsilon', [{ path: 'dpEpsilon', message: 'the functional mechanism draws noise: call fit(data, rng)' }]);
    const { lower, upper } = columnRanges(data.schema);
    let [low, high] = [Infinity, -Infinity];
    for (const y of data.targets) [low, high] = [Math.min(low, y), Math.max(high, y)];
    const fit = functionalMechanismFit(data.features, data.targets, { lower, upper, target: [low, high] }, this.params.dpEpsilon, rng.fork());
    const model = new LinearRegression({ schema: data.schema, targetName: data.targetName, weights: fit.weights, bias: fit.bias, trainingRmse: 0, params: { ...this.params } });
    const predicted = model.predictValues(data.features);
    let squares = 0;
    for (let i = 0; i < data.targets.length; i++) squares += (predicted[i] - data.targets[i]) ** 2;
    const privacy = { mechanism: 'functional', epsilon: this.params.dpEpsilon, delta: 0 };
    return new LinearRegression({ schema: data.schema, targetName: data.targetName, weights: fit.weights, bias: fit.bias, trainingRmse: Math.sqrt(squares / data.targets.length), params: { ...this.params, privacy } });
  }
}

function solveNormalEquations(normal: Matrix, right: Float64Array): Float64Array {
  try {
    return choleskySolve(normal, right);
  } catch {
    return pseudoInverseSolve(normal, right);
  }
}
