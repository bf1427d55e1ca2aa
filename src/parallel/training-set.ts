/**
 * A training set named by its rows — parts of data sets, in order — and gathered only where it is
 * trained on. Shadow models' sets are large and many (LiRA on Fashion-MNIST: 64 sets of 5,000 ×
 * 784 values, 31 MB each): made up front, as data sets, they took 7 s of page faults and 2.8 GB
 * before the first shadow started. Named by rows, the pool gathers each into the buffer it hands
 * its worker (reused from set to set), when a worker takes it.
 */

import { classificationDataset, concatRows, subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';

/** What a training set takes from its first part besides rows: name, classes, schema, target, image shape. */
export type DatasetDescription = Pick<ClassificationDataset, 'name' | 'classes' | 'schema' | 'targetName' | 'image'>;

/**
 * A data set whose rows are kept in another form than a float64 matrix and written as float64
 * where they are read (a cluster worker's fetched data set, kept coded: cluster/dataset-blob.ts).
 */
export interface RowSource extends DatasetDescription {
  readonly rows: number;
  readonly cols: number;
  readonly labels: Int32Array;
  /** Writes rows `rows` (`cols` values each, row-major) into `into` from value `at`. */
  readRows(rows: ArrayLike<number>, into: Float64Array, at: number): void;
}

/** A part's data set: a float64 data set, or a row source. */
export type PartSource = ClassificationDataset | RowSource;

function isRowSource(from: PartSource): from is RowSource {
  return !('features' in from);
}

function columnsOf(from: PartSource): number {
  return isRowSource(from) ? from.cols : from.features.cols;
}

/** The rows `rows` of `from`, then of the next part: one training set (the first part's name, classes and schema). */
export interface RowSelection {
  parts: readonly { from: PartSource; rows: ArrayLike<number> }[];
}

/** What a training service trains on: a data set, or rows of data sets to gather. */
export type TrainingData = ClassificationDataset | RowSelection;

export function isRowSelection(data: TrainingData): data is RowSelection {
  return 'parts' in data;
}

/** The parts of a selection of float64 data sets (a client's, which names their rows to workers); a row source's rows cannot be named on. */
export function datasetParts(data: RowSelection): readonly { from: ClassificationDataset; rows: ArrayLike<number> }[] {
  return data.parts.map(({ from, rows }) => {
    if (isRowSource(from)) throw new ThreatlabError('internal', `the rows of ${from.name} are held by this worker, not as a data set that can be sent on`);
    return { from, rows };
  });
}

/** The rows `rows` of `from` then those of the other parts; throws when the parts differ in columns or classes. */
export function rowSelection(...parts: RowSelection['parts']): RowSelection {
  const kept = parts.filter((part) => part.rows.length > 0);
  if (kept.length === 0) throw new ThreatlabError('internal', 'a training set of no rows');
  const [first] = kept;
  for (const { from } of kept) {
    if (columnsOf(from) !== columnsOf(first.from) || from.classes.join('\u0000') !== first.from.classes.join('\u0000')) {
      throw new ThreatlabError('internal', `training-set parts differ: ${first.from.name} (${columnsOf(first.from)} columns) and ${from.name} (${columnsOf(from)})`);
    }
  }
  return { parts: kept };
}

/** The number of rows and of columns of the set. */
export function trainingShape(data: TrainingData): { rows: number; cols: number } {
  if (!isRowSelection(data)) return { rows: data.features.rows, cols: data.features.cols };
  return { rows: data.parts.reduce((sum, part) => sum + part.rows.length, 0), cols: columnsOf(data.parts[0].from) };
}

/** What the set takes from its first part (or is): name, classes, schema, target, image shape. */
export function trainingDescription(data: TrainingData): DatasetDescription {
  return isRowSelection(data) ? data.parts[0].from : data;
}

/** The set as a data set (`subsetRows` of each part, joined: the same rows, labels and row origins). */
export function trainingDataset(data: TrainingData): ClassificationDataset {
  if (!isRowSelection(data)) return data;
  return data.parts.map(({ from, rows }) => (isRowSource(from) ? rowsOfSource(from, rows) : subsetRows(from, rows))).reduce((joined, next) => concatRows(joined, next));
}

/** Rows `rows` of a row source, as a data set. */
export function rowsOfSource(from: RowSource, rows: ArrayLike<number>): ClassificationDataset {
  const features = new Float64Array(rows.length * from.cols);
  from.readRows(rows, features, 0);
  const labels = Int32Array.from({ length: rows.length }, (_, k) => from.labels[rows[k]]);
  return classificationDataset({ name: from.name, features: createMatrix(rows.length, from.cols, features), labels, classes: from.classes, schema: from.schema, targetName: from.targetName, image: from.image });
}

/**
 * The set's features written row after row into `into` (rows × cols values) and its labels: what
 * `trainingDataset` would hold, without making it. The first part's data set gives the rest
 * (name, classes, schema).
 */
export function gatherTrainingRows(data: TrainingData, into: Float64Array): { labels: Int32Array; like: DatasetDescription } {
  const { rows, cols } = trainingShape(data);
  if (into.length !== rows * cols) throw new ThreatlabError('internal', `a buffer of ${into.length} values for ${rows} × ${cols}`);
  if (!isRowSelection(data)) {
    into.set(data.features.data.subarray(0, rows * cols));
    return { labels: data.labels, like: trainingDescription(data) };
  }
  const labels = new Int32Array(rows);
  let k = 0;
  for (const { from, rows: picked } of data.parts) {
    if (isRowSource(from)) {
      from.readRows(picked, into, k * cols);
      for (let r = 0; r < picked.length; r++, k++) labels[k] = from.labels[picked[r]];
      continue;
    }
    const source = from.features.data;
    for (let r = 0; r < picked.length; r++, k++) {
      const row = picked[r];
      into.set(source.subarray(row * cols, (row + 1) * cols), k * cols);
      labels[k] = from.labels[row];
    }
  }
  return { labels, like: trainingDescription(data) };
}
