/**
 * A data set: the encoded feature matrix, its schema, and a target — class labels for
 * classification, real values for regression. Data sets are immutable values; `subsetRows`
 * and the splitters build new ones.
 */

import { ValidationError, type ValidationIssue } from '../errors.ts';
import { createMatrix, selectRows, stackRows, type Matrix } from '../math/matrix.ts';
import { columnCount, type FeatureSchema } from './schema.ts';

/** A fixed train/test partition that comes with a data set (e.g. Fashion-MNIST's 60k/10k). */
export interface Split {
  train: Uint32Array;
  test: Uint32Array;
}

/** Width × height × channels of image rows (pixels stored row-major, channels last). */
export interface ImageShape {
  width: number;
  height: number;
  channels: number;
}

interface DatasetBase {
  name: string;
  features: Matrix;
  schema: FeatureSchema;
  targetName: string;
  /** The partition the data set's source prescribes, when it has one. */
  split?: Split;
  /** Present when each row is an image. */
  image?: ImageShape;
}

/** Rows with class labels: `labels[i]` indexes `classes`. */
export interface ClassificationDataset extends DatasetBase {
  task: 'classification';
  labels: Int32Array;
  classes: string[];
}

/** Rows with a real-valued target. */
export interface RegressionDataset extends DatasetBase {
  task: 'regression';
  targets: Float64Array;
}

/** Any data set. */
export type Dataset = ClassificationDataset | RegressionDataset;

/** Fields accepted by `classificationDataset`. */
export type ClassificationInit = Omit<ClassificationDataset, 'task'>;
/** Fields accepted by `regressionDataset`. */
export type RegressionInit = Omit<RegressionDataset, 'task'>;

/** Builds a classification data set, checking shapes and labels. */
export function classificationDataset(init: ClassificationInit): ClassificationDataset {
  const issues = commonIssues(init, init.labels.length);
  if (init.classes.length === 0) issues.push({ path: 'classes', message: 'no class names; give at least one' });
  for (let i = 0; i < init.labels.length; i++) {
    const label = init.labels[i];
    if (label < 0 || label >= init.classes.length) {
      issues.push({ path: `labels[${i}]`, message: `${label} is not a class index in [0, ${init.classes.length})` });
      break;
    }
  }
  if (issues.length > 0) throw new ValidationError(`data set "${init.name}" is inconsistent`, issues);
  return { task: 'classification', ...init };
}

/** Builds a regression data set, checking shapes and that targets are finite. */
export function regressionDataset(init: RegressionInit): RegressionDataset {
  const issues = commonIssues(init, init.targets.length);
  const bad = init.targets.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) issues.push({ path: `targets[${bad}]`, message: 'is not a finite number' });
  if (issues.length > 0) throw new ValidationError(`data set "${init.name}" is inconsistent`, issues);
  return { task: 'regression', ...init };
}

function commonIssues(init: DatasetBase, targetCount: number): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const expected = columnCount(init.schema);
  if (init.features.cols !== expected) {
    issues.push({ path: 'features', message: `has ${init.features.cols} columns, the schema lays out ${expected}` });
  }
  if (targetCount !== init.features.rows) {
    issues.push({ path: 'target', message: `${targetCount} targets for ${init.features.rows} feature rows` });
  }
  if (init.image && init.image.width * init.image.height * init.image.channels !== init.features.cols) {
    issues.push({ path: 'image', message: 'width × height × channels differs from the column count' });
  }
  return issues;
}

/** Number of rows. */
export function rowCount(dataset: Dataset): number {
  return dataset.features.rows;
}

/** Rows of one data set. */
export interface RowSource<T extends Dataset = Dataset> {
  source: T;
  indices: Uint32Array;
}

/** Which rows of which data sets a derived data set holds, in order (see `rowOrigin`). */
export interface RowOrigin<T extends Dataset = Dataset> {
  parts: RowSource<T>[];
}

/** Sources are held weakly: remembering where a subset came from must not keep a 376 MB data set alive. */
interface WeakSource {
  source: WeakRef<Dataset>;
  indices: Uint32Array;
}

const ORIGINS = new WeakMap<Dataset, WeakSource[]>();
/** One weak reference per source, so rows of the same source are recognised as such and kept in one part. */
const REFERENCES = new WeakMap<Dataset, WeakRef<Dataset>>();

function referenceTo(dataset: Dataset): WeakRef<Dataset> {
  let reference = REFERENCES.get(dataset);
  if (!reference) {
    reference = new WeakRef(dataset);
    REFERENCES.set(dataset, reference);
  }
  return reference;
}

/**
 * The data sets a `subsetRows` or `concatRows` result was made from and the rows it holds, in
 * order, traced back to data sets that were not themselves made so; undefined when the data set
 * was not made so, or a source has since been dropped. A cluster job names these rows of data sets
 * sent once, instead of carrying the rows (64 LiRA shadows of 5,000 Fashion-MNIST rows each would
 * move 2 GB; their indices take 1.3 MB).
 */
export function rowOrigin<T extends Dataset>(dataset: T): RowOrigin<T> | undefined {
  const parts = ORIGINS.get(dataset);
  return parts && liveOrigin<T>(parts);
}

/** The parts with their sources, or undefined when a source has been dropped. */
function liveOrigin<T extends Dataset>(parts: WeakSource[]): RowOrigin<T> | undefined {
  const live: RowSource<T>[] = [];
  for (const part of parts) {
    const source = part.source.deref();
    if (!source) return undefined;
    live.push({ source: source as T, indices: part.indices });
  }
  return { parts: live };
}

function partsOf(dataset: Dataset): WeakSource[] {
  const parts = ORIGINS.get(dataset);
  if (parts) return parts;
  const indices = new Uint32Array(dataset.features.rows);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  return [{ source: referenceTo(dataset), indices }];
}

/** The rows `indices` of a data set made of `parts`, as parts (consecutive rows of one source kept together). */
function selectParts(parts: WeakSource[], indices: ArrayLike<number>): WeakSource[] {
  const starts: number[] = [];
  let total = 0;
  for (const part of parts) {
    starts.push(total);
    total += part.indices.length;
  }
  const runs: { source: WeakRef<Dataset>; rows: number[] }[] = [];
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    let p = parts.length - 1;
    while (p > 0 && starts[p] > index) p--;
    const row = parts[p].indices[index - starts[p]];
    const last = runs.at(-1);
    if (last && last.source === parts[p].source) last.rows.push(row);
    else runs.push({ source: parts[p].source, rows: [row] });
  }
  return runs.map((run) => ({ source: run.source, indices: Uint32Array.from(run.rows) }));
}

/** A new data set holding the given rows (its fixed split is dropped). */
export function subsetRows<T extends Dataset>(dataset: T, indices: ArrayLike<number>): T {
  const features = rowRange(dataset.features, indices) ?? selectRows(dataset.features, indices);
  const base = { ...dataset, features, split: undefined };
  let subset: T;
  if (dataset.task === 'classification') {
    const labels = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) labels[k] = dataset.labels[indices[k]];
    subset = { ...base, labels } as T;
  } else {
    const targets = new Float64Array(indices.length);
    for (let k = 0; k < indices.length; k++) targets[k] = dataset.targets[indices[k]];
    subset = { ...base, targets } as T;
  }
  ORIGINS.set(subset, selectParts(partsOf(dataset), indices));
  return subset;
}

/** The rows of `a` then those of `b` (same columns and classes; the fixed split is dropped). */
export function concatRows(a: ClassificationDataset, b: ClassificationDataset): ClassificationDataset {
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  const joined: ClassificationDataset = { ...a, features: adjacentRows(a.features, b.features) ?? stackRows(a.features, b.features), labels, split: undefined };
  ORIGINS.set(joined, joinParts(partsOf(a), partsOf(b)));
  return joined;
}

/**
 * `data`'s rows copied to the front of a buffer with room for `extraRows` rows after them: the
 * copy (same rows, labels and origin) and the room. Rows made in the room and joined to the copy
 * by `concatRows` are joined without a second copy (capacity abuse's synthetic rows: 45 MB of
 * fresh memory for 3,000 Fashion-MNIST rows and 4,182 synthetic ones instead of 71).
 */
export function rowsWithRoom<T extends ClassificationDataset>(data: T, extraRows: number): { copy: T; room: Float64Array } {
  const { rows, cols } = data.features;
  const buffer = new Float64Array((rows + extraRows) * cols);
  buffer.set(data.features.data);
  const copy = { ...data, features: createMatrix(rows, cols, buffer.subarray(0, rows * cols)) };
  ORIGINS.set(copy, partsOf(data));
  return { copy, room: buffer.subarray(rows * cols) };
}

/**
 * Rows `indices` of `matrix` as a view of its values, without a copy, when they are one run of
 * consecutive rows in order (a fixed split's training or test part; a data set's rows are never
 * written after it is made, see `adjacentRows`); otherwise undefined. Fashion-MNIST's fixed split
 * copied 439 MB into fresh pages — 1.4 s of `threatlab train`'s 7.6 on a machine where a fresh
 * page costs ~10 µs. The view keeps the whole of `matrix`'s buffer alive as long as it lives.
 */
function rowRange(matrix: Matrix, indices: ArrayLike<number>): Matrix | undefined {
  const count = indices.length;
  const first = indices[0];
  if (count === 0 || !(Number.isInteger(first) && first >= 0 && first + count <= matrix.rows)) return undefined;
  for (let k = 1; k < count; k++) if (indices[k] !== first + k) return undefined;
  return createMatrix(count, matrix.cols, matrix.data.subarray(first * matrix.cols, (first + count) * matrix.cols));
}

/**
 * `a`'s rows then `b`'s as one view, without a copy, when `b`'s values follow `a`'s in one buffer
 * (capacity abuse lays the training rows and its synthetic rows out so): a data set's rows are
 * never written after it is made, so sharing them is safe. Otherwise undefined.
 */
function adjacentRows(a: Matrix, b: Matrix): Matrix | undefined {
  if (a.cols !== b.cols || a.data.buffer !== b.data.buffer || a.data.byteOffset + a.data.byteLength !== b.data.byteOffset) return undefined;
  return createMatrix(a.rows + b.rows, a.cols, new Float64Array(a.data.buffer, a.data.byteOffset, a.data.length + b.data.length));
}

/** `first` then `second`; rows of one source on both sides of the seam stay one part. */
function joinParts(first: WeakSource[], second: WeakSource[]): WeakSource[] {
  const [last, next] = [first.at(-1), second[0]];
  const seam = last && next && last.source === next.source ? [{ source: last.source, indices: Uint32Array.from([...last.indices, ...next.indices]) }] : [last, next].filter((part) => part !== undefined);
  return [...first.slice(0, -1), ...seam, ...second.slice(1)];
}

/**
 * The origin (`rowOrigin`) that `subsetRows` of each part, joined by `concatRows`, would record —
 * without making them (a shadow's training set named by rows, sent to a cluster).
 */
export function originOfRows<T extends Dataset>(parts: readonly { from: T; rows: ArrayLike<number> }[]): RowOrigin<T> | undefined {
  let joined: WeakSource[] = [];
  for (const { from, rows } of parts) joined = joinParts(joined, selectParts(partsOf(from), rows));
  return liveOrigin<T>(joined);
}

/** Rows per class, in `classes` order. */
export function classCounts(dataset: ClassificationDataset): number[] {
  const counts = new Array<number>(dataset.classes.length).fill(0);
  for (const label of dataset.labels) counts[label]++;
  return counts;
}

/** Count of missing (NaN) feature values. */
export function missingCount(dataset: Dataset): number {
  let missing = 0;
  for (const value of dataset.features.data) if (Number.isNaN(value)) missing++;
  return missing;
}

/** A short JSON-friendly description of a data set. */
export interface DatasetSummary {
  name: string;
  task: Dataset['task'];
  rows: number;
  features: number;
  rawFeatures: number;
  classes?: number;
  classCounts?: Record<string, number>;
  target: string;
  missingValues: number;
  split?: { train: number; test: number };
}

/** Summarises a data set: counts of rows, columns, raw features and classes. */
export function summarize(dataset: Dataset): DatasetSummary {
  const summary: DatasetSummary = {
    name: dataset.name,
    task: dataset.task,
    rows: dataset.features.rows,
    features: dataset.features.cols,
    rawFeatures: dataset.schema.features.length,
    target: dataset.targetName,
    missingValues: missingCount(dataset),
  };
  if (dataset.task === 'classification') {
    summary.classes = dataset.classes.length;
    const counts = classCounts(dataset);
    summary.classCounts = Object.fromEntries(dataset.classes.map((name, i) => [name, counts[i]]));
  }
  if (dataset.split) summary.split = { train: dataset.split.train.length, test: dataset.split.test.length };
  return summary;
}
