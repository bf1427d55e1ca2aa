/**
 * The column form CART grows from (Breiman et al. 1984, ch. 2: a numeric column's candidate
 * splits are the midpoints between its sorted distinct values): each column's sorted distinct
 * values and each training row's rank among them, computed once per fit. Also the two impurity
 * measures.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { columnLayout } from '../../data/schema.ts';
import { checkTrainingFeatures } from '../validate.ts';

/** The rank of a missing (NaN) value. */
export const MISSING = 0xffffffff;

/** One feature column in rank form. */
export interface Column {
  categorical: boolean;
  /** Sorted distinct values (numeric) or the levels 0…L−1 (categorical). */
  values: Float64Array;
  /**
   * Rank of each training row's value; MISSING for NaN. A numeric column of at most two values
   * and none missing (a one-hot level) has byte ranks.
   */
  ranks: Uint32Array | Uint8Array;
  /** Rows whose value is missing. */
  missing: number;
}

/** Columns copied out of the row-major matrix at a time: 32 × 8 bytes per row is a few cache lines. */
const BLOCK = 32;

/**
 * Every column of `data` in rank form. The matrix is read row by row a block of columns at a time
 * (one strided pass per column would pull every cache line of the matrix once per column), and
 * only a block is held as float64 copies (all columns at once would double a 60,000-image set).
 * The same pass finds each column's first two values, so one-hot columns need no sort, and
 * rejects an infinite value (`kind` names the model in the error).
 */
export function buildColumns(data: ClassificationDataset, kind: string): Column[] {
  const { rows, cols, data: x } = data.features;
  const levels = new Int32Array(cols).fill(-1);
  for (const { feature, start } of columnLayout(data.schema)) {
    if (feature.kind === 'categorical' && feature.encoding === 'ordinal') levels[start] = feature.levels.length;
  }
  const columns: Column[] = [];
  const width = Math.min(BLOCK, cols);
  const block = Array.from({ length: width }, () => new Float64Array(rows));
  for (let first = 0; first < cols; first += BLOCK) {
    const count = Math.min(BLOCK, cols - first);
    for (let i = 0; i < rows; i++) {
      const offset = i * cols + first;
      for (let b = 0; b < count; b++) block[b][i] = x[offset + b];
    }
    for (let b = 0; b < count; b++) {
      const column = block[b];
      const j = first + b;
      const few = fewValues(column);
      if (!few) {
        columns.push(levels[j] < 0 ? sortedColumn(column, kind, data) : levelColumn(column, levels[j], kind, data));
        continue;
      }
      if (few.infinite) checkTrainingFeatures(kind, data.features, { allowMissing: true });
      columns.push(levels[j] >= 0 ? levelColumn(column, levels[j], kind, data) : fewColumn(column, few));
    }
  }
  return columns;
}

/** A column's values when it has at most two besides NaN (and how many are NaN), else undefined. */
interface FewValues {
  /** The low and high value (equal when one; NaN when none). */
  low: number;
  high: number;
  missing: number;
  infinite: boolean;
}

/** The column's few values, or undefined as soon as a third one shows (a one-hot column is read once). */
function fewValues(column: Float64Array): FewValues | undefined {
  let low = NaN;
  let high = NaN;
  let missing = 0;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value === low || value === high) continue;
    if (value !== value) missing++;
    else if (low !== low) low = high = value;
    else if (low === high) {
      if (value < low) low = value;
      else high = value;
    } else return undefined;
  }
  return { low, high, missing, infinite: low === -Infinity || high === Infinity };
}

/** An ordinal-encoded categorical column: its levels are its ranks (an infinite value is an error). */
function levelColumn(column: Float64Array, levels: number, kind: string, data: ClassificationDataset): Column {
  const ranks = new Uint32Array(column.length);
  let missing = 0;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value !== value) missing++;
    else if (value === Infinity || value === -Infinity) checkTrainingFeatures(kind, data.features, { allowMissing: true });
    ranks[i] = value !== value ? MISSING : value;
  }
  return { categorical: true, values: Float64Array.from({ length: levels }, (_, level) => level), ranks, missing };
}

/** A numeric column of at most two values. */
function fewColumn(column: Float64Array, { low, high, missing }: FewValues): Column {
  const rows = column.length;
  const values = Float64Array.from(low !== low ? [] : low === high ? [low] : [low, high]);
  if (missing === 0) {
    const ranks = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) ranks[i] = column[i] === low ? 0 : 1;
    return { categorical: false, values, ranks, missing };
  }
  const ranks = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : value === low ? 0 : 1;
  }
  return { categorical: false, values, ranks, missing };
}

/** A numeric column of more than two values: ranked by sorting its values once (an infinite value is an error). */
function sortedColumn(column: Float64Array, kind: string, data: ClassificationDataset): Column {
  const rows = column.length;
  const sorted = Float64Array.from(column).sort(); // NaN sorts last
  let present = rows;
  while (present > 0 && sorted[present - 1] !== sorted[present - 1]) present--;
  if (sorted[0] === -Infinity || sorted[present - 1] === Infinity) checkTrainingFeatures(kind, data.features, { allowMissing: true });
  let distinct = 0;
  for (let i = 0; i < present; i++) {
    const value = sorted[i];
    if (distinct === 0 || value !== sorted[distinct - 1]) sorted[distinct++] = value;
  }
  const values = sorted.slice(0, distinct);
  const ranks = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : rankOf(values, value);
  }
  return { categorical: false, values, ranks, missing: rows - present };
}

/** The index of `value` in the sorted distinct `values` (binary search). */
function rankOf(values: Float64Array, value: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Gini impurity 1 − Σ p² (Breiman et al. 1984) of `counts[offset…offset+classes)`, which sum to `total`. */
export function giniImpurity(counts: Float64Array, offset: number, total: number, classes: number): number {
  if (total === 0) return 0;
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += (counts[offset + c] / total) ** 2;
  return 1 - sum;
}

/** Entropy −Σ p log₂ p (Quinlan's information gain) of `counts[offset…offset+classes)`, which sum to `total`. */
export function entropyImpurity(counts: Float64Array, offset: number, total: number, classes: number): number {
  if (total === 0) return 0;
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const p = counts[offset + c] / total;
    if (p > 0) sum -= p * Math.log2(p);
  }
  return sum;
}
