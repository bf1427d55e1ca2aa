/**
 * Seeded train/test splits. A stratified split keeps each class's share: from a class of n
 * rows it takes round(n × testFraction) for test, so AT&T's 10 faces per subject split 7/3.
 */

import { ValidationError } from '../errors.ts';
import type { Rng } from '../random.ts';
import { subsetRows, type Dataset, type Split } from './dataset.ts';

/** Options for `splitIndices` and `trainTestSplit`. */
export interface SplitOptions {
  /** Fraction of rows for the test set, in (0, 1). */
  testFraction: number;
  rng: Rng;
  /** Keep each class's share in both parts (classification only). */
  stratify?: boolean;
}

/** A train and a test data set. */
export interface TrainTest<T extends Dataset> {
  train: T;
  test: T;
}

/** Row indices of a seeded (optionally stratified) split; each part sorted ascending. */
export function splitIndices(dataset: Dataset, options: SplitOptions): Split {
  const { testFraction, rng } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new ValidationError('invalid split', [
      { path: 'testFraction', message: `${testFraction} must be strictly between 0 and 1, e.g. 0.3` },
    ]);
  }
  const n = dataset.features.rows;
  const groups: number[][] = [];
  if (options.stratify) {
    if (dataset.task !== 'classification') {
      throw new ValidationError('invalid split', [
        { path: 'stratify', message: 'needs class labels; this data set has a regression target' },
      ]);
    }
    for (let c = 0; c < dataset.classes.length; c++) groups.push([]);
    for (let i = 0; i < n; i++) groups[dataset.labels[i]].push(i);
  } else {
    groups.push(Array.from({ length: n }, (_, i) => i));
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const group of groups) {
    rng.shuffle(group);
    const testCount = Math.round(group.length * testFraction);
    test.push(...group.slice(0, testCount));
    train.push(...group.slice(testCount));
  }
  if (train.length === 0 || test.length === 0) {
    throw new ValidationError('invalid split', [
      { path: 'testFraction', message: `${testFraction} of ${n} rows leaves an empty part; use more rows or another fraction` },
    ]);
  }
  const byIndex = (a: number, b: number) => a - b;
  return { train: Uint32Array.from(train.sort(byIndex)), test: Uint32Array.from(test.sort(byIndex)) };
}

/** Splits a data set into train and test parts. */
export function trainTestSplit<T extends Dataset>(dataset: T, options: SplitOptions): TrainTest<T> {
  return applySplit(dataset, splitIndices(dataset, options));
}

/** The data set's own split when its source prescribes one, else a seeded split (stratified for classes). */
export function defaultSplit(dataset: Dataset, testFraction: number, rng: Rng): Split {
  return dataset.split ?? splitIndices(dataset, { testFraction, rng, stratify: dataset.task === 'classification' });
}

/** The train and test parts of a given split (e.g. the data set's own `split`). */
export function applySplit<T extends Dataset>(dataset: T, split: Split): TrainTest<T> {
  return { train: subsetRows(dataset, split.train), test: subsetRows(dataset, split.test) };
}
