/**
 * What a linear fit needs of its design matrix, read in two passes over the values: the columns'
 * standard scaling (as `fitStandardScaler`: the same sums in the same order, the same bits), which
 * columns hold only 0s and 1s, and the non-zero entries the solvers visit (sparse-rows.ts).
 *
 * Read apart, these were five passes — the scaler's two, the 0/1 test, the sparse form's count and
 * copy — and the entries went into fresh arrays each fit (28,000 entries, ~85 pages, for a
 * 2,000-row Adult shadow; 3.4 MB for the whole of Adult), at ~10 µs a fresh page on this machine.
 * Here the count rides with the means, the copy with the variances, the 0/1 test reads the entries
 * alone, and the entries' arrays are lent by the thread (spare-arrays.ts) and handed back when the
 * solve ends: a property-inference or shadow pool fits hundreds of models of the same size.
 */

import { ColumnScaler, fitStandardScaler } from '../../data/encoders/scaling.ts';
import type { Matrix } from '../../math/matrix.ts';
import { borrowFloat64, borrowUint32, giveBack } from '../../math/spare-arrays.ts';
import type { SparseRows } from '../../math/sparse-rows.ts';

export interface DesignRead {
  /** Zero mean, unit variance per column (population deviation): `fitStandardScaler`'s. */
  standard: ColumnScaler;
  /** 1 where every value of the column is 0 or 1 (one-hot levels). */
  binary: Uint8Array;
  /** The non-zero entries of each row, in column order, in arrays lent until `release`. */
  entries: SparseRows;
  /** Hands the entries' arrays back to the thread; neither `entries` nor what was made of them in place may be used afterwards. */
  release(): void;
}

/**
 * A lent array's length for `count` values: rounded up to an eighth of its power of two (at least
 * 1,024), so that fits of the same rows with a few more or fewer non-zeros borrow the same array.
 */
function lentLength(count: number): number {
  const step = 2 ** Math.max(10, Math.floor(Math.log2(Math.max(1, count))) - 3);
  return Math.ceil(count / step) * step;
}

/** Reads `design` (see the file's comment). */
export function readDesign(design: Matrix): DesignRead {
  const { rows, cols, data } = design;
  // An empty matrix: the scaler's own error.
  if (rows === 0) fitStandardScaler(design);
  const mean = new Float64Array(cols);
  const count = new Float64Array(cols);
  let nonZeros = 0;
  for (let i = 0; i < rows; i++) {
    const from = i * cols;
    for (let j = 0; j < cols; j++) {
      const value = data[from + j];
      if (value !== 0) nonZeros++;
      if (!Number.isNaN(value)) {
        mean[j] += value;
        count[j]++;
      }
    }
  }
  for (let j = 0; j < cols; j++) mean[j] = count[j] > 0 ? mean[j] / count[j] : 0;
  const start = borrowUint32(rows + 1);
  const columns = borrowUint32(lentLength(nonZeros));
  const values = borrowFloat64(lentLength(nonZeros));
  const variance = new Float64Array(cols);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    const from = i * cols;
    start[i] = k;
    for (let j = 0; j < cols; j++) {
      const value = data[from + j];
      if (value !== 0) {
        columns[k] = j;
        values[k++] = value;
      }
      if (!Number.isNaN(value)) variance[j] += (value - mean[j]) ** 2;
    }
  }
  start[rows] = k;
  const factor = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const std = count[j] > 0 ? Math.sqrt(variance[j] / count[j]) : 0;
    factor[j] = std > 0 ? 1 / std : 1;
  }
  const binary = new Uint8Array(cols).fill(1);
  for (let e = 0; e < k; e++) if (values[e] !== 1) binary[columns[e]] = 0;
  let held = true;
  return {
    standard: new ColumnScaler('standard', mean, factor, 0),
    binary,
    entries: { start, columns: columns.subarray(0, k), values: values.subarray(0, k) },
    release: () => {
      if (!held) return;
      held = false;
      for (const array of [start, columns, values]) giveBack(array);
    },
  };
}

/**
 * Multiplies each entry of column j by `factor[j]` in place, leaving out an entry that scales to
 * zero: the entries of the scaled matrix (as `scaledSparseRows` makes them). Returns the entries'
 * new extent (views of the same arrays).
 */
export function scaleEntries(entries: SparseRows, rows: number, factor: Float64Array): SparseRows {
  const { start, columns, values } = entries;
  let kept = 0;
  for (let i = 0; i < rows; i++) {
    const from = start[i];
    start[i] = kept;
    for (let e = from; e < start[i + 1]; e++) {
      const value = values[e] * factor[columns[e]];
      if (value === 0) continue;
      columns[kept] = columns[e];
      values[kept++] = value;
    }
  }
  start[rows] = kept;
  return { start, columns: columns.subarray(0, kept), values: values.subarray(0, kept) };
}
