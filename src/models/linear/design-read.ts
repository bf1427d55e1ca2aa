/**
 * What a linear fit without centring needs of its design matrix, in one pass over its values (and a
 * look at its first rows, for the room its entries need): the
 * non-zero entries the solvers visit (sparse-rows.ts), which columns hold only 0s and 1s (one-hot
 * levels, left unscaled), and the standard scaling of the others — `fitStandardScaler`'s factor, the
 * same bits: its sums taken in the same row order, from the entries (a zero adds nothing to a sum,
 * and adds `(0 − mean)²` to a sum of squares, as the dense loop does).
 *
 * Read apart, these were five passes over the values — the scaler's two, the 0/1 test, the sparse
 * form's count and copy — into fresh arrays each fit (28,000 entries, ~85 pages, for a 2,000-row
 * Adult shadow; 3.4 MB for the whole of Adult), at ~10 µs a fresh page on this machine. Here the
 * entries go into arrays the thread lends (spare-arrays.ts), handed back when the solve ends: a
 * property-inference or shadow pool fits hundreds of models of the same size.
 */

import { fitStandardScaler } from '../../data/encoders/scaling.ts';
import type { Matrix } from '../../math/matrix.ts';
import { borrowFloat64, borrowUint32, giveBack } from '../../math/spare-arrays.ts';
import type { SparseRows } from '../../math/sparse-rows.ts';
import { selectedRowsOf } from '../../math/selected-rows.ts';
import { clearNotFiniteSeen, entriesOfSource, keptRowEntries, notFiniteSeen, rowEntries } from '../../math/row-entries.ts';

export interface DesignRead {
  /** 1 where every value of the column is 0 or 1. */
  binary: Uint8Array;
  /** 1 / the population standard deviation of each column not 0/1 (`fitStandardScaler`'s factor: 1 where it is 0), and 1 for a 0/1 column. */
  factor: Float64Array;
  /** The non-zero entries of each row, in column order, in arrays lent until `release`. */
  entries: SparseRows;
  /** Whether every value is finite (none NaN or ±Infinity): the read sees every value, and a fit checks them here rather than in a pass of its own. */
  finite: boolean;
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

/** Rows whose non-zeros guess the room a read's entries need. */
const SAMPLED_ROWS = 256;

/** The length of the arrays the last design read on this thread took: the next one borrows arrays of that length first. */
let lastLength = 0;

/** Reads `design` (see the file's comment). Each pass is a function of its own: V8 optimises each loop with what it has seen of it, not a whole read entered in its first loop. */
export function readDesign(design: Matrix): DesignRead {
  const { rows, cols } = design;
  // An empty matrix: the scaler's own error.
  if (rows === 0) fitStandardScaler(design);
  const { start, columns, values, count: k, finite } = extractEntries(design);
  const entries = { start, columns: columns.subarray(0, k), values: values.subarray(0, k) };
  const { binary, sum, count } = columnSums(entries, rows, cols);
  const mean = Float64Array.from(sum, (total, j) => (count[j] > 0 ? total / count[j] : 0));
  const scaled = Int32Array.from({ length: cols }, (_, j) => j).filter((j) => !binary[j]);
  const squares = sumsOfSquares(entries, rows, scaled, mean);
  const factor = new Float64Array(cols).fill(1);
  for (const j of scaled) {
    const std = count[j] > 0 ? Math.sqrt(squares[j] / count[j]) : 0;
    factor[j] = std > 0 ? 1 / std : 1;
  }
  let held = true;
  return {
    binary,
    factor,
    entries,
    finite,
    release: () => {
      if (!held) return;
      held = false;
      for (const array of [start, columns, values]) giveBack(array);
    },
  };
}

/**
 * The non-zero entries of `design`'s rows in lent arrays (`count` of them: the arrays are longer).
 * Rows of other matrices (math/selected-rows.ts) are read where they lie, not gathered first.
 */
function extractEntries(design: Matrix): { start: Uint32Array; columns: Uint32Array; values: Float64Array; count: number; finite: boolean } {
  const { rows, cols } = design;
  const selection = selectedRowsOf(design);
  // Each row as (source, offset): the design's own values, or a source's row.
  const parts = selection ? selection.parts : [{ source: design.data, rows: undefined }];
  const start = borrowUint32(rows + 1);
  const most = lentLength(rows * cols);
  // Room guessed from the first rows' non-zeros (the last read's arrays where they are enough and not twice that).
  const sampled = Math.min(rows, SAMPLED_ROWS);
  const guess = Math.min(most, lentLength(Math.ceil((1.25 * nonZerosInFirstRows(parts, cols, sampled) * rows) / sampled) + cols));
  let columns = borrowUint32(lastLength >= guess && lastLength <= 2 * guess ? lastLength : guess);
  let values = borrowFloat64(columns.length);
  let k = 0;
  let i = 0;
  clearNotFiniteSeen();
  for (const part of parts) {
    const { source, rows: picked } = part;
    const count = picked ? picked.length : rows;
    // A source read fit after fit: its rows' entries as this thread keeps them (math/row-entries.ts).
    const key = 'key' in part ? part.key : undefined;
    const kept = picked && key !== undefined ? entriesOfSource(key, source, cols) : undefined;
    for (let r = 0; r < count; r++, i++) {
      // Room for a whole row, so that each value is written at k whatever it is and k moves on past a non-zero.
      if (k + cols > columns.length) {
        const length = Math.min(most, lentLength(2 * (k + cols)));
        const [wider, widerValues] = [borrowUint32(length), borrowFloat64(length)];
        wider.set(columns.subarray(0, k));
        widerValues.set(values.subarray(0, k));
        giveBack(columns);
        giveBack(values);
        [columns, values] = [wider, widerValues];
      }
      start[i] = k;
      k = kept ? keptRowEntries(kept, picked![r], columns, values, k) : rowEntries(source, (picked ? picked[r] : r) * cols, cols, columns, values, k);
    }
  }
  start[rows] = k;
  lastLength = columns.length;
  return { start, columns, values, count: k, finite: !notFiniteSeen };
}

/** The non-zero values in the first `count` rows of `parts` (each row `cols` values of its source). */
function nonZerosInFirstRows(parts: readonly { source: Float64Array; rows: Int32Array | undefined }[], cols: number, count: number): number {
  let total = 0;
  for (const { source, rows } of parts) {
    const taken = Math.min(count, rows ? rows.length : count);
    for (let r = 0; r < taken; r++) total += nonZerosIn(source, (rows ? rows[r] : r) * cols, cols);
    count -= taken;
    if (count === 0) break;
  }
  return total;
}

/** The non-zero values among `length` of `data` from `from`. */
function nonZerosIn(data: Float64Array, from: number, length: number): number {
  let count = 0;
  for (let v = from; v < from + length; v++) count += data[v] !== 0 ? 1 : 0;
  return count;
}

/**
 * The 0/1 columns, and the scaler's sums and counts: its sums in row order over the entries (NaN
 * left out of both, as it does). The loop alone, everything made before it: V8 optimises a long
 * loop in flight (on-stack replacement), and a statement after it not yet run sent every call back
 * to the interpreter there (52 times in 60 fits).
 */
function columnSums(entries: SparseRows, rows: number, cols: number): { binary: Uint8Array; sum: Float64Array; count: Float64Array } {
  const { columns, values } = entries;
  const binary = new Uint8Array(cols).fill(1);
  const sum = new Float64Array(cols);
  const count = new Float64Array(cols).fill(rows);
  for (let e = 0; e < values.length; e++) {
    const value = values[e];
    const j = columns[e];
    if (value !== 1) binary[j] = 0;
    if (Number.isNaN(value)) count[j]--;
    else sum[j] += value;
  }
  return { binary, sum, count };
}

/** The scaler's sums of squared deviations of the `scaled` columns, row by row in order: `(0 − mean)²` for a row's zero, as the dense loop adds it. */
function sumsOfSquares(entries: SparseRows, rows: number, scaled: Int32Array, mean: Float64Array): Float64Array {
  const { start, columns, values } = entries;
  const squares = new Float64Array(mean.length);
  const zeroTerm = new Float64Array(mean.length);
  for (let j = 0; j < mean.length; j++) zeroTerm[j] = (0 - mean[j]) ** 2;
  for (let i = 0; i < rows; i++) {
    let e = start[i];
    const last = start[i + 1];
    for (let s = 0; s < scaled.length; s++) {
      const j = scaled[s];
      while (e < last && columns[e] < j) e++;
      if (e < last && columns[e] === j) {
        if (!Number.isNaN(values[e])) squares[j] += (values[e] - mean[j]) ** 2;
      } else squares[j] += zeroTerm[j];
    }
  }
  return squares;
}

/**
 * Multiplies each entry of column j by `factor[j]` in place, leaving out an entry that scales to
 * zero: the entries of the scaled matrix (as `sparseRows` of it would give them). Returns the
 * entries' new extent (views of the same arrays).
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
