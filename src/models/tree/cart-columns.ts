/**
 * The column form CART grows from (Breiman et al. 1984, ch. 2: a numeric column's candidate
 * splits are the midpoints between its sorted distinct values): each column's sorted distinct
 * values and each training row's rank among them, computed once per fit.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { columnLayout } from '../../data/schema.ts';
import { checkTrainingFeatures } from '../validate.ts';
import { keptSelectionEntries } from '../../math/row-entries.ts';
import { selectedRowsOf } from '../../math/selected-rows.ts';
import { copyColumnsOfEntries, onesOfEntries, seeValue, twoValuesOfEntries } from './cart-entry-columns.ts';

/** The rank of a missing (NaN) value. */
export const MISSING = 0xffffffff;

/** One feature column in rank form. */
export interface Column {
  categorical: boolean;
  /** Sorted distinct values (numeric) or the levels 0…L−1 (categorical). */
  values: Float64Array;
  /**
   * Rank of each training row's value; MISSING for NaN. A numeric column of at most two values
   * and none missing (a one-hot level) has byte ranks, or none (an empty array) unless asked for:
   * the rows' set entries (`OnesByRow`) hold them.
   */
  ranks: Uint32Array | Uint8Array;
  /** Rows whose value is missing. */
  missing: number;
}

/** The empty ranks of a byte column when its ranks were not asked for. */
const NO_BYTES = new Uint8Array(0);

/** Rows read at a time for the byte-ranked columns. */
const BYTE_BLOCK = 1024;

/** Columns copied out of the row-major matrix at a time: 32 × 8 bytes per row is a few cache lines. */
const BLOCK = 32;

/**
 * Every column of `data` in rank form, the matrix read row by row (one strided pass per column
 * would pull every cache line of the matrix once per column). A first pass finds each column's
 * first two values; a numeric column with no more and none missing (a one-hot level) gets its
 * byte ranks in a second row-by-row pass, without a float copy or a sort. The other columns are
 * copied out a block at a time (all at once would double a 60,000-image set) and ranked by a
 * sort. An infinite value is rejected (`kind` names the model in the error). The byte columns'
 * ranks are written out only with `byteRanks` (their set entries say the same; 3.2 MB of fresh
 * memory on Adult, and fresh pages cost ~12 µs each here).
 */
export function buildColumns(data: ClassificationDataset, kind: string, { byteRanks: wantBytes }: { byteRanks: boolean }): { columns: Column[]; ones: OnesByRow } {
  const { rows, cols } = data.features;
  const levels = new Int32Array(cols).fill(-1);
  for (const { feature, start } of columnLayout(data.schema)) {
    if (feature.kind === 'categorical' && feature.encoding === 'ordinal') levels[start] = feature.levels.length;
  }
  // Rows of a sparse data set its thread keeps the entries of: read from them, never gathered (cart-entry-columns.ts).
  const selection = selectedRowsOf(data.features);
  const entries = selection && keptSelectionEntries(selection);
  const x = entries ? undefined : data.features.data;
  const { low, high, more, infinite } = entries ? twoValuesOfEntries(entries, rows, cols) : firstTwoValues(x!, rows, cols);
  if (infinite) checkTrainingFeatures(kind, data.features, { allowMissing: true, schema: data.schema });
  const columns = new Array<Column>(cols);
  const byteColumns: number[] = [];
  for (let j = 0; j < cols; j++) if (levels[j] < 0 && more[j] === 0 && low[j] === low[j]) byteColumns.push(j);
  const ones = entries ? onesOfEntries(entries, rows, cols, Int32Array.from(byteColumns), low) : byteRanks(x!, rows, cols, Int32Array.from(byteColumns), low);
  const bytes = wantBytes ? bytesOf(ones, rows) : NO_BYTES;
  byteColumns.forEach((j, b) => {
    const values = Float64Array.from(low[j] === high[j] ? [low[j]] : [low[j], high[j]]);
    columns[j] = { categorical: false, values, ranks: wantBytes ? bytes.subarray(b * rows, (b + 1) * rows) : NO_BYTES, missing: 0 };
  });
  // The others, a block at a time, its columns one after another in one array.
  const others: number[] = [];
  for (let j = 0; j < cols; j++) if (!columns[j]) others.push(j);
  const block = new Float64Array(Math.min(BLOCK, others.length) * rows);
  // One buffer sorts every many-valued column in turn (a copy per column was 256 KB of fresh pages each on Adult).
  const sorting = new Float64Array(others.some((j) => levels[j] < 0 && more[j] & 1) ? rows : 0);
  for (let first = 0; first < others.length; first += BLOCK) {
    const count = Math.min(BLOCK, others.length - first);
    const taken = Int32Array.from(others.slice(first, first + count));
    if (entries) copyColumnsOfEntries(entries, rows, cols, taken, block);
    else copyColumns(x!, rows, cols, taken, block);
    for (let b = 0; b < count; b++) {
      const column = block.subarray(b * rows, (b + 1) * rows);
      const j = others[first + b];
      if (levels[j] >= 0) columns[j] = levelColumn(column, levels[j]);
      else if (more[j] & 1) columns[j] = sortedColumn(column, sorting);
      else columns[j] = fewColumn(column, low[j], high[j]);
    }
  }
  return { columns, ones };
}

/** Per row, the byte-ranked columns at rank 1 (compressed rows): `columns[entries[e]]` for e in `start[i]…start[i+1]`, ascending. */
export interface OnesByRow {
  start: Uint32Array;
  entries: Uint32Array;
  /** The byte-ranked columns in order (what an entry indexes). */
  columns: Int32Array;
}

/**
 * Per column its low and high value (NaN until seen), `more` bit 1 when it has a third value and
 * bit 2 when one is missing, and whether any value is infinite: one pass over the rows. (Each loop
 * of this file is a function of its own: V8 then optimises it whole after a few fits, where a loop
 * inside a larger function is compiled on the stack and thrown away again each fit.)
 */
function firstTwoValues(x: Float64Array, rows: number, cols: number): { low: Float64Array; high: Float64Array; more: Uint8Array; infinite: boolean } {
  const low = new Float64Array(cols).fill(NaN);
  const high = new Float64Array(cols).fill(NaN);
  const more = new Uint8Array(cols);
  return { low, high, more, infinite: scanTwoValues(x, rows, cols, low, high, more) };
}

/** The loop of `firstTwoValues`; true when a value is infinite. */
function scanTwoValues(x: Float64Array, rows: number, cols: number, low: Float64Array, high: Float64Array, more: Uint8Array): boolean {
  let infinite = false;
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let j = 0; j < cols; j++) if (seeValue(x[offset + j], j, low, high, more)) infinite = true;
  }
  return infinite;
}

/** Per row, the two-valued `columns` not at their low value (one pass over the rows). */
function byteRanks(x: Float64Array, rows: number, cols: number, columns: Int32Array, low: Float64Array): OnesByRow {
  const start = new Uint32Array(rows + 1);
  // Room for a block's every entry beyond those written; grown once the density of the rows read
  // so far is known (fresh pages cost ~10 µs each here: doubling from a guess allocated 5 MB for
  // Adult's 0.9 MB of entries).
  const headroom = Math.min(rows, BYTE_BLOCK) * columns.length;
  let entries: Uint32Array = new Uint32Array(headroom + Math.min(rows, 65536) * Math.min(columns.length, 4));
  let count = 0;
  // Each byte column's low value beside its index (one load fewer a value in the hot loop).
  const lowOf = Float64Array.from(columns, (j) => low[j]);
  // Rows a block at a time (a short loop here; the hot one is in rowsOnes). One loop for every
  // data set, all columns two-valued or not: until 2026-12-06 one-hot data (every column a byte
  // column) had a loop of its own without the column index, 6–9% of GSS's warm fit faster, but the
  // first fit of such data after any other tree ran that loop unoptimised — steak's 232 rows
  // 0.6 ms in byteRanks against 0.08 in the loop other fits had already warmed (its whole first
  // fit, after Adult's and the steak eaters', 1.0–1.3 → 0.6–0.8 ms).
  for (let first = 0; first < rows; first += BYTE_BLOCK) {
    const last = Math.min(rows, first + BYTE_BLOCK);
    if (count + headroom > entries.length) entries = grown(entries, Math.max(count + headroom, Math.ceil((count / first) * rows * 1.1) + headroom));
    count = rowsOnes(x, cols, first, last, columns, lowOf, start, entries, count);
  }
  start[rows] = count;
  return { start, entries: entries.subarray(0, count), columns };
}

/** The 0/1 ranks of the byte columns of `ones` (1 where a row is not at the column's low value), one column after another. */
function bytesOf(ones: OnesByRow, rows: number): Uint8Array {
  const bytes = new Uint8Array(ones.columns.length * rows);
  for (let i = 0; i < rows; i++) for (let e = ones.start[i]; e < ones.start[i + 1]; e++) bytes[ones.entries[e] * rows + i] = 1;
  return bytes;
}

/** Rows `first…last` of `byteRanks` (`lowOf[b]`: column `columns[b]`'s low value): their starts and entries from `count` on; returns the new count. */
function rowsOnes(x: Float64Array, cols: number, first: number, last: number, columns: Int32Array, lowOf: Float64Array, start: Uint32Array, entries: Uint32Array, count: number): number {
  const width = columns.length;
  for (let i = first; i < last; i++) {
    start[i] = count;
    const offset = i * cols;
    for (let b = 0; b < width; b++) {
      if (x[offset + columns[b]] !== lowOf[b]) entries[count++] = b;
    }
  }
  return count;
}

/** A copy of `values` in an array of `size`. */
function grown(values: Uint32Array, size: number): Uint32Array {
  const copy = new Uint32Array(size);
  copy.set(values);
  return copy;
}

/** Copies `columns` of the row-major matrix into `block`, one column after another. */
function copyColumns(x: Float64Array, rows: number, cols: number, columns: Int32Array, block: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let b = 0, to = i; b < columns.length; b++, to += rows) block[to] = x[offset + columns[b]];
  }
}

/** An ordinal-encoded categorical column: its levels are its ranks. */
function levelColumn(column: Float64Array, levels: number): Column {
  const ranks = new Uint32Array(column.length);
  let missing = 0;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value !== value) missing++;
    ranks[i] = value !== value ? MISSING : value;
  }
  return { categorical: true, values: Float64Array.from({ length: levels }, (_, level) => level), ranks, missing };
}

/** A numeric column of at most two values `low` ≤ `high` (NaN when none) and some missing. */
function fewColumn(column: Float64Array, low: number, high: number): Column {
  const values = Float64Array.from(low !== low ? [] : low === high ? [low] : [low, high]);
  const ranks = new Uint32Array(column.length);
  let missing = 0;
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    if (value !== value) missing++;
    ranks[i] = value !== value ? MISSING : value === low ? 0 : 1;
  }
  return { categorical: false, values, ranks, missing };
}

/** A numeric column of more than two values: ranked by sorting its values once (in `sorting`, as long as the column). */
function sortedColumn(column: Float64Array, sorting: Float64Array): Column {
  const rows = column.length;
  sorting.set(column);
  const sorted = sorting.sort(); // NaN sorts last
  let present = rows;
  while (present > 0 && sorted[present - 1] !== sorted[present - 1]) present--;
  const values = sorted.slice(0, dedupeSorted(sorted, present));
  const ranks = new Uint32Array(rows);
  rankInto(column, values, ranks);
  return { categorical: false, values, ranks, missing: rows - present };
}

/** Moves the distinct values of sorted `sorted[0…present)` to its front; returns how many. (Each loop its own function: see firstTwoValues.) */
function dedupeSorted(sorted: Float64Array, present: number): number {
  let distinct = 0;
  for (let i = 0; i < present; i++) {
    const value = sorted[i];
    if (distinct === 0 || value !== sorted[distinct - 1]) sorted[distinct++] = value;
  }
  return distinct;
}

/** Each value's rank among the sorted distinct `values` (MISSING for NaN) into `ranks`. */
function rankInto(column: Float64Array, values: Float64Array, ranks: Uint32Array): void {
  for (let i = 0; i < column.length; i++) {
    const value = column[i];
    ranks[i] = value !== value ? MISSING : rankOf(values, value);
  }
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
