/**
 * The model contract (DESIGN.md, after scikit-learn's estimators): a trainer holds validated,
 * immutable hyper-parameters; `fit(data, rng)` returns a fitted model, which alone predicts
 * and serialises. Probabilities come one row per input, columns in `classes` order.
 */

import type { Dataset } from '../data/dataset.ts';
import type { FeatureSchema } from '../data/schema.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Rng } from '../random.ts';
import type { ModelJson } from './json.ts';

/** Every kind of model threatlab trains. */
export type ModelKind = 'logistic' | 'softmax' | 'ovr' | 'linear' | 'kernel-logistic' | 'tree' | 'mlp' | 'cnn';

/** What can be trained: every model kind, and naive Bayes (whose fitted form is a softmax linear model). */
export type TrainerKind = ModelKind | 'naive-bayes';

/** What every fitted model has. */
interface FittedBase {
  readonly kind: ModelKind;
  readonly schema: FeatureSchema;
  /** Number of encoded feature columns a row must have. */
  readonly inputSize: number;
  toJSON(): ModelJson;
}

/** A fitted classifier. */
export interface Classifier extends FittedBase {
  readonly task: 'classification';
  readonly classes: readonly string[];
  /** Class probabilities: rows × classes, each row summing to 1. */
  predictProba(features: Matrix): Matrix;
  /** The most probable class index of each row. */
  predict(features: Matrix): Int32Array;
}

/** A fitted regressor. */
export interface Regressor extends FittedBase {
  readonly task: 'regression';
  readonly targetName: string;
  /** Root-mean-square error on the training data (the σ of Fredrikson et al.'s Gaussian error model). */
  readonly trainingRmse: number;
  predictValues(features: Matrix): Float64Array;
}

/** Any fitted model. */
export type Model = Classifier | Regressor;

/** Holds validated parameters; fitting returns a new fitted model. */
export interface Trainer<M extends Model = Model> {
  readonly kind: TrainerKind;
  readonly task: M['task'];
  readonly params: Readonly<Record<string, unknown>>;
  fit(data: Dataset, rng: Rng): Promise<M>;
}

/** Index of the largest entry of each row. */
export function argmaxRows(probabilities: Matrix): Int32Array {
  const out = new Int32Array(probabilities.rows);
  for (let i = 0; i < probabilities.rows; i++) {
    let best = 0;
    const offset = i * probabilities.cols;
    for (let j = 1; j < probabilities.cols; j++) if (probabilities.data[offset + j] > probabilities.data[offset + best]) best = j;
    out[i] = best;
  }
  return out;
}
