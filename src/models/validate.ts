/** Checks of training data and prediction inputs shared by every model family. */

import { ThreatlabError, ValidationError } from '../errors.ts';
import type { ClassificationDataset, Dataset } from '../data/dataset.ts';
import type { Matrix } from '../math/matrix.ts';
import { columnCount, columnNames, type FeatureSchema } from '../data/schema.ts';
import { firstNotFinite } from '../math/wasm/finite-check.ts';

/** Options of the checks. */
export interface InputRules {
  /** NaN (missing) features are allowed (trees). */
  allowMissing?: boolean;
  /** The rows' schema: a value not allowed is named by its feature (a CSV column, or column=level) and its row counted from 1. */
  schema?: FeatureSchema;
}

/** ` (feature "name", <noun> k)` for the value at `at` of `features`, when `schema` lays out its columns; else nothing. */
function placeOf(features: Matrix, at: number, schema: FeatureSchema | undefined, noun: string): string {
  if (!schema || columnCount(schema) !== features.cols) return '';
  return ` (feature "${columnNames(schema)[at % features.cols]}", ${noun} ${Math.floor(at / features.cols) + 1})`;
}

/** Rejects an empty set, label/row mismatches, non-finite features, and (classification) a single class. */
export function checkTrainingData(kind: string, data: Dataset, rules: InputRules = {}): void {
  checkTrainingShape(kind, data);
  checkTrainingFeatures(kind, data.features, { schema: data.schema, ...rules });
}

/**
 * The checks of `checkTrainingData` but the scan of the features, for a trainer that reads every
 * value anyway and calls `checkTrainingFeatures` when it meets one that is not allowed.
 */
export function checkTrainingShape(kind: string, data: Dataset): void {
  const rows = data.features.rows;
  if (rows === 0) throw new ValidationError(`cannot train "${kind}"`, [{ path: 'data', message: 'the training set is empty' }]);
  const targets = data.task === 'classification' ? data.labels.length : data.targets.length;
  if (targets !== rows) {
    throw new ValidationError(`cannot train "${kind}"`, [{ path: 'labels', message: `${targets} labels for ${rows} rows; give one label per row` }]);
  }
  if (data.task === 'classification') checkClasses(kind, data);
}

/** Rejects non-finite training features (NaN allowed with `allowMissing`), naming the first (by its feature too, given the schema). */
export function checkTrainingFeatures(kind: string, features: Matrix, rules: InputRules = {}): void {
  // The first value not allowed (±Infinity; NaN unless missing values are allowed), scanned in WebAssembly (math/wasm/finite-check.ts).
  const bad = firstNotFinite(features.data, rules.allowMissing ?? false);
  if (bad >= 0) {
    const row = Math.floor(bad / features.cols);
    const col = bad % features.cols;
    throw new ValidationError(`cannot train "${kind}"`, [
      { path: `features[${row}][${col}]`, message: `is ${features.data[bad]}${placeOf(features, bad, rules.schema, 'training row')}; ${rules.allowMissing ? 'only NaN may mark a missing value' : 'this model needs finite features: impute or drop missing values, or train a tree'}` },
    ]);
  }
}

function checkClasses(kind: string, data: ClassificationDataset): void {
  const labels = data.labels;
  let other = 1;
  while (other < labels.length && labels[other] === labels[0]) other++;
  if (other >= labels.length) {
    throw new ValidationError(`cannot train "${kind}"`, [
      { path: 'labels', message: `only one class (${data.classes[labels[0]]}) is present; a classifier needs at least two` },
    ]);
  }
}

/** Rejects a prediction input of the wrong width or with non-finite values. */
export function checkInput(kind: string, inputSize: number, features: Matrix, rules: InputRules = {}): void {
  checkInputShape(kind, inputSize, features);
  checkInputValues(kind, features, rules);
}

/** The checks of `checkInput` but the scan of the values, for a model that reads every value anyway and calls `checkInputValues` when it meets one that is not finite. */
export function checkInputShape(kind: string, inputSize: number, features: Matrix): void {
  if (features.cols !== inputSize) {
    throw new ValidationError(`wrong input for model "${kind}"`, [
      { path: 'features', message: `rows have ${features.cols} values, the model takes ${inputSize}; encode rows like the training data` },
    ]);
  }
}

/** Rejects non-finite prediction inputs (NaN allowed with `allowMissing`), naming the first (by its feature too, given the schema). */
export function checkInputValues(kind: string, features: Matrix, rules: InputRules = {}): void {
  // The first value not allowed (±Infinity; NaN unless missing values are allowed), scanned in WebAssembly (math/wasm/finite-check.ts).
  const bad = firstNotFinite(features.data, rules.allowMissing ?? false);
  if (bad >= 0) {
    throw new ValidationError(`wrong input for model "${kind}"`, [
      { path: `features[${Math.floor(bad / features.cols)}][${bad % features.cols}]`, message: `is ${features.data[bad]}${placeOf(features, bad, rules.schema, 'row')}; give finite values${rules.allowMissing ? ' (NaN for missing)' : ''}` },
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
