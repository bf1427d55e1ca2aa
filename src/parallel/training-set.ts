/**
 * A training set named by its rows — parts of data sets, in order — and gathered only where it is
 * trained on. Shadow models' sets are large and many (LiRA on Fashion-MNIST: 64 sets of 5,000 ×
 * 784 values, 31 MB each): made up front, as data sets, they took 7 s of page faults and 2.8 GB
 * before the first shadow started. Named by rows, the pool gathers each into the buffer it hands
 * its worker (reused from set to set), when a worker takes it.
 */

import { concatRows, subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';

/** The rows `rows` of `from`, then of the next part: one training set (the first part's name, classes and schema). */
export interface RowSelection {
  parts: readonly { from: ClassificationDataset; rows: ArrayLike<number> }[];
}

/** What a training service trains on: a data set, or rows of data sets to gather. */
export type TrainingData = ClassificationDataset | RowSelection;

export function isRowSelection(data: TrainingData): data is RowSelection {
  return 'parts' in data;
}

/** The rows `rows` of `from` then those of the other parts; throws when the parts differ in columns or classes. */
export function rowSelection(...parts: RowSelection['parts']): RowSelection {
  const kept = parts.filter((part) => part.rows.length > 0);
  if (kept.length === 0) throw new ThreatlabError('internal', 'a training set of no rows');
  const [first] = kept;
  for (const { from } of kept) {
    if (from.features.cols !== first.from.features.cols || from.classes.join('\u0000') !== first.from.classes.join('\u0000')) {
      throw new ThreatlabError('internal', `training-set parts differ: ${first.from.name} (${first.from.features.cols} columns) and ${from.name} (${from.features.cols})`);
    }
  }
  return { parts: kept };
}

/** The number of rows and of columns of the set. */
export function trainingShape(data: TrainingData): { rows: number; cols: number } {
  if (!isRowSelection(data)) return { rows: data.features.rows, cols: data.features.cols };
  return { rows: data.parts.reduce((sum, part) => sum + part.rows.length, 0), cols: data.parts[0].from.features.cols };
}

/** The set as a data set (`subsetRows` of each part, joined: the same rows, labels and row origins). */
export function trainingDataset(data: TrainingData): ClassificationDataset {
  if (!isRowSelection(data)) return data;
  return data.parts.map(({ from, rows }) => subsetRows(from, rows)).reduce((joined, next) => concatRows(joined, next));
}

/**
 * The set's features written row after row into `into` (rows × cols values) and its labels: what
 * `trainingDataset` would hold, without making it. The first part's data set gives the rest
 * (name, classes, schema).
 */
export function gatherTrainingRows(data: TrainingData, into: Float64Array): { labels: Int32Array; like: ClassificationDataset } {
  const { rows, cols } = trainingShape(data);
  if (into.length !== rows * cols) throw new ThreatlabError('internal', `a buffer of ${into.length} values for ${rows} × ${cols}`);
  if (!isRowSelection(data)) {
    into.set(data.features.data.subarray(0, rows * cols));
    return { labels: data.labels, like: data };
  }
  const labels = new Int32Array(rows);
  let k = 0;
  for (const { from, rows: picked } of data.parts) {
    const source = from.features.data;
    for (let r = 0; r < picked.length; r++, k++) {
      const row = picked[r];
      into.set(source.subarray(row * cols, (row + 1) * cols), k * cols);
      labels[k] = from.labels[row];
    }
  }
  return { labels, like: data.parts[0].from };
}
