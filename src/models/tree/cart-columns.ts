/**
 * The column form CART grows from (Breiman et al. 1984, ch. 2: a numeric column's candidate
 * splits are the midpoints between its sorted distinct values): each column's sorted distinct
 * values and each training row's rank among them, computed once per fit. Also the two impurity
 * measures.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { columnLayout } from '../../data/schema.ts';

/** The rank of a missing (NaN) value. */
export const MISSING = 0xffffffff;

/** One feature column in rank form. */
export interface Column {
  categorical: boolean;
  /** Sorted distinct values (numeric) or the levels 0…L−1 (categorical). */
  values: Float64Array;
  /** Rank of each training row's value; MISSING for NaN. */
  ranks: Uint32Array;
}

/** Columns copied out of the row-major matrix at a time: 32 × 8 bytes per row is a few cache lines. */
const BLOCK = 32;

/**
 * Every column of `data` in rank form. The matrix is read row by row a block of columns at a time
 * (one strided pass per column would pull every cache line of the matrix once per column), and
 * only a block is held as float64 copies (all columns at once would double a 60,000-image set).
 */
export function buildColumns(data: ClassificationDataset): Column[] {
  const { rows, cols, data: x } = data.features;
  const levels = new Int32Array(cols).fill(-1);
  for (const { feature, start } of columnLayout(data.schema)) {
    if (feature.kind === 'categorical' && feature.encoding === 'ordinal') levels[start] = feature.levels.length;
  }
  const columns: Column[] = [];
  const block = Array.from({ length: Math.min(BLOCK, cols) }, () => new Float64Array(rows));
  for (let first = 0; first < cols; first += BLOCK) {
    const width = Math.min(BLOCK, cols - first);
    for (let i = 0; i < rows; i++) {
      const offset = i * cols + first;
      for (let b = 0; b < width; b++) block[b][i] = x[offset + b];
    }
    for (let b = 0; b < width; b++) columns.push(rankColumn(block[b], levels[first + b]));
  }
  return columns;
}

/** One column in rank form; `levels` ≥ 0 for an ordinal-encoded categorical column. */
function rankColumn(column: Float64Array, levels: number): Column {
  const rows = column.length;
  const ranks = new Uint32Array(rows);
  if (levels >= 0) {
    for (let i = 0; i < rows; i++) {
      const value = column[i];
      ranks[i] = value !== value ? MISSING : value;
    }
    return { categorical: true, values: Float64Array.from({ length: levels }, (_, level) => level), ranks };
  }
  const pair = twoValues(column);
  if (pair) {
    // At most two values (one-hot levels): ranks without sorting.
    const values = Float64Array.from(pair[0] === pair[1] ? [pair[0]] : pair);
    const low = values[0];
    for (let i = 0; i < rows; i++) {
      const value = column[i];
      ranks[i] = value !== value ? MISSING : value === low ? 0 : 1;
    }
    return { categorical: false, values, ranks };
  }
  // Rank by sorting the column's values once: ranks follow the sorted distinct values.
  const sorted = Float64Array.from(column).sort(); // NaN sorts last
  let distinct = 0;
  for (let i = 0; i < rows; i++) {
    const value = sorted[i];
    if (value !== value) break;
    if (distinct === 0 || value !== sorted[distinct - 1]) sorted[distinct++] = value;
  }
  const values = sorted.slice(0, distinct);
  for (let i = 0; i < rows; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : rankOf(values, value);
  }
  return { categorical: false, values, ranks };
}

/** The column's low and high value when it has at most two (and some value), else undefined. */
function twoValues(column: Float64Array): [number, number] | undefined {
  let low = NaN;
  let high = NaN;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value !== value || value === low || value === high) continue;
    if (low !== low) low = high = value;
    else if (low === high) [low, high] = value < low ? [value, low] : [low, value];
    else return undefined;
  }
  return low !== low ? undefined : [low, high];
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
