/**
 * CART's column form (cart-columns.ts) built from a training set's non-zero entries instead of its
 * dense rows: a shadow's rows named by row of a sparse data set whose entries its worker keeps
 * (math/row-entries.ts), so its rows are never gathered. Each pass visits the entries and the
 * columns a row lacks (its zeros) without reading every value: for a 2,000-row Adult shadow, ~28,000
 * entries against 216,000 values, three times. What each function gives is what its dense
 * counterpart gives on the rows gathered (property-tested), given a source without −0: the zeros a
 * row lacks are read as +0.
 */

import type { RowsEntries } from '../../math/row-entries.ts';
import type { OnesByRow } from './cart-columns.ts';

/** One value of column j into its low and high values and `more` (cart-columns.ts's `firstTwoValues`); true when it is infinite. */
export function seeValue(value: number, j: number, low: Float64Array, high: Float64Array, more: Uint8Array): boolean {
  if (value === low[j] || value === high[j]) return false;
  if (value !== value) more[j] |= 2;
  else if (value === Infinity || value === -Infinity) return true;
  else if (low[j] !== low[j]) low[j] = high[j] = value;
  else if (low[j] === high[j]) {
    if (value < low[j]) low[j] = value;
    else high[j] = value;
  } else more[j] |= 1;
  return false;
}

/**
 * `firstTwoValues` of the rows: each column's entries, then a 0 where a row lacks one. The order
 * differs from the rows', and nothing read of the result depends on it: low and high are read only
 * for a column of two values at most (then its least and greatest), `more` and `infinite` are sets.
 */
export function twoValuesOfEntries(entries: RowsEntries, rows: number, cols: number): { low: Float64Array; high: Float64Array; more: Uint8Array; infinite: boolean } {
  const low = new Float64Array(cols).fill(NaN);
  const high = new Float64Array(cols).fill(NaN);
  const more = new Uint8Array(cols);
  const present = new Uint32Array(cols);
  let infinite = false;
  const { columns, values } = entries;
  for (let e = 0; e < values.length; e++) {
    present[columns[e]]++;
    if (seeValue(values[e], columns[e], low, high, more)) infinite = true;
  }
  for (let j = 0; j < cols; j++) if (present[j] < rows) seeValue(0, j, low, high, more);
  return { low, high, more, infinite };
}

/**
 * `byteRanks` of the rows: per row, the two-valued `columns` (ascending) not at their low value. A
 * column whose low value is 0 is at its high value exactly where the row has an entry; one whose
 * low value is not 0 where the row lacks an entry (a 0) or its entry is not the low value.
 */
export function onesOfEntries(entries: RowsEntries, rows: number, cols: number, columns: Int32Array, low: Float64Array): OnesByRow {
  const byteIndex = new Int32Array(cols).fill(-1);
  columns.forEach((j, b) => (byteIndex[j] = b));
  const inverted = columns.filter((j) => low[j] !== 0);
  const start = new Uint32Array(rows + 1);
  const ones = new Uint32Array(entries.values.length + rows * inverted.length);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    start[i] = count;
    let v = 0;
    for (let e = entries.start[i]; e < entries.start[i + 1]; e++) {
      const j = entries.columns[e];
      // The columns of low value not 0 before j that this row lacks: at 0, not their low value.
      while (v < inverted.length && inverted[v] < j) ones[count++] = byteIndex[inverted[v++]];
      const b = byteIndex[j];
      if (b < 0) continue;
      if (low[j] === 0) ones[count++] = b;
      else {
        v++;
        if (entries.values[e] !== low[j]) ones[count++] = b;
      }
    }
    while (v < inverted.length) ones[count++] = byteIndex[inverted[v++]];
  }
  start[rows] = count;
  return { start, entries: ones.subarray(0, count), columns };
}

/** `copyColumns` of the rows: `columns` into `block` one after another, 0 where a row lacks an entry. */
export function copyColumnsOfEntries(entries: RowsEntries, rows: number, cols: number, columns: Int32Array, block: Float64Array): void {
  const position = new Int32Array(cols).fill(-1);
  columns.forEach((j, b) => (position[j] = b));
  block.fill(0, 0, columns.length * rows);
  for (let i = 0; i < rows; i++) {
    for (let e = entries.start[i]; e < entries.start[i + 1]; e++) {
      const b = position[entries.columns[e]];
      if (b >= 0) block[b * rows + i] = entries.values[e];
    }
  }
}
