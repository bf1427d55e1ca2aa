/** Checks of training data and prediction inputs shared by every model family. */

import { ThreatlabError, ValidationError } from '../errors.ts';
import type { ClassificationDataset, Dataset } from '../data/dataset.ts';
import type { Matrix } from '../math/matrix.ts';

/** Options of the checks. */
export interface InputRules {
  /** NaN (missing) features are allowed (trees). */
  allowMissing?: boolean;
}

function findNonFinite(features: Matrix, allowMissing: boolean): number {
  for (let k = 0; k < features.data.length; k++) {
    const value = features.data[k];
    if (allowMissing ? value === Infinity || value === -Infinity : !Number.isFinite(value)) return k;
  }
  return -1;
}

/** Rejects an empty set, label/row mismatches, non-finite features, and (classification) a single class. */
export function checkTrainingData(kind: string, data: Dataset, rules: InputRules = {}): void {
  const rows = data.features.rows;
  if (rows === 0) throw new ValidationError(`cannot train "${kind}"`, [{ path: 'data', message: 'the training set is empty' }]);
  const targets = data.task === 'classification' ? data.labels.length : data.targets.length;
  if (targets !== rows) {
    throw new ValidationError(`cannot train "${kind}"`, [{ path: 'labels', message: `${targets} labels for ${rows} rows; give one label per row` }]);
  }
  const bad = findNonFinite(data.features, rules.allowMissing ?? false);
  if (bad >= 0) {
    const row = Math.floor(bad / data.features.cols);
    const col = bad % data.features.cols;
    throw new ValidationError(`cannot train "${kind}"`, [
      { path: `features[${row}][${col}]`, message: `is ${data.features.data[bad]}; ${rules.allowMissing ? 'only NaN may mark a missing value' : 'this model needs finite features: impute or drop missing values, or train a tree'}` },
    ]);
  }
  if (data.task === 'classification') checkClasses(kind, data);
}

function checkClasses(kind: string, data: ClassificationDataset): void {
  const present = new Set(data.labels);
  if (present.size < 2) {
    throw new ValidationError(`cannot train "${kind}"`, [
      { path: 'labels', message: `only one class (${data.classes[data.labels[0]]}) is present; a classifier needs at least two` },
    ]);
  }
}

/** Rejects a prediction input of the wrong width or with non-finite values. */
export function checkInput(kind: string, inputSize: number, features: Matrix, rules: InputRules = {}): void {
  if (features.cols !== inputSize) {
    throw new ValidationError(`wrong input for model "${kind}"`, [
      { path: 'features', message: `rows have ${features.cols} values, the model takes ${inputSize}; encode rows like the training data` },
    ]);
  }
  const bad = findNonFinite(features, rules.allowMissing ?? false);
  if (bad >= 0) {
    throw new ValidationError(`wrong input for model "${kind}"`, [
      { path: `features[${Math.floor(bad / features.cols)}][${bad % features.cols}]`, message: `is ${features.data[bad]}; give finite values${rules.allowMissing ? ' (NaN for missing)' : ''}` },
    ]);
  }
}

/** Requires a classification data set. */
export function requireClassification(kind: string, data: Dataset): ClassificationDataset {
  if (data.task !== 'classification') {
    throw new ThreatlabError('validation', `model "${kind}" is a classifier, but data set "${data.name}" has a regression target; use model "linear"`);
  }
  return data;
}
