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
  // Per column of the block: its low and high value (NaN until seen), whether it has more, and its missing count.
  const low = new Float64Array(width);
  const high = new Float64Array(width);
  const more = new Uint8Array(width);
  const missing = new Uint32Array(width);
  for (let first = 0; first < cols; first += BLOCK) {
    const count = Math.min(BLOCK, cols - first);
    low.fill(NaN);
    high.fill(NaN);
    more.fill(0);
    missing.fill(0);
    let infinite = false;
    for (let i = 0; i < rows; i++) {
      const offset = i * cols + first;
      for (let b = 0; b < count; b++) {
        const value = x[offset + b];
        block[b][i] = value;
        if (value === low[b] || value === high[b]) continue;
        if (value !== value) missing[b]++;
        else if (value === Infinity || value === -Infinity) infinite = true;
        else if (low[b] !== low[b]) low[b] = high[b] = value;
        else if (low[b] === high[b]) {
          if (value < low[b]) low[b] = value;
          else high[b] = value;
        } else more[b] = 1;
      }
    }
    if (infinite) checkTrainingFeatures(kind, data.features, { allowMissing: true });
    for (let b = 0; b < count; b++) {
      const j = first + b;
      if (levels[j] >= 0) columns.push(levelColumn(block[b], levels[j], missing[b]));
      else if (more[b]) columns.push(sortedColumn(block[b], missing[b]));
      else columns.push(fewColumn(block[b], low[b], high[b], missing[b]));
    }
  }
  return columns;
}

/** An ordinal-encoded categorical column: its levels are its ranks. */
function levelColumn(column: Float64Array, levels: number, missing: number): Column {
  const ranks = new Uint32Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : value;
  }
  return { categorical: true, values: Float64Array.from({ length: levels }, (_, level) => level), ranks, missing };
}

/** A numeric column of at most two values `low` ≤ `high` (NaN when it has none). */
function fewColumn(column: Float64Array, low: number, high: number, missing: number): Column {
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

/** A numeric column of more than two values: ranked by sorting its values once. */
function sortedColumn(column: Float64Array, missing: number): Column {
  const rows = column.length;
  const sorted = Float64Array.from(column).sort(); // NaN sorts last
  let distinct = 0;
  for (let i = 0; i < rows - missing; i++) {
    const value = sorted[i];
    if (distinct === 0 || value !== sorted[distinct - 1]) sorted[distinct++] = value;
  }
  const values = sorted.slice(0, distinct);
  const ranks = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : rankOf(values, value);
  }
  return { categorical: false, values, ranks, missing };
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

/** An impurity of class counts `counts[offset…offset+classes)` summing to `total`. */
export type Impurity = (counts: Float64Array, offset: number, total: number) => number;

/** Gini impurity 1 − Σ p² (Breiman et al. 1984). */
export function gini(classes: number): Impurity {
  return (counts, offset, total) => {
    if (total === 0) return 0;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += (counts[offset + c] / total) ** 2;
    return 1 - sum;
  };
}

/** Entropy −Σ p log₂ p (Quinlan's information gain). */
export function entropy(classes: number): Impurity {
  return (counts, offset, total) => {
    if (total === 0) return 0;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const p = counts[offset + c] / total;
      if (p > 0) sum -= p * Math.log2(p);
    }
    return sum;
  };
}
