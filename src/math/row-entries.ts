/**
 * The non-zero entries of rows, as a linear fit reads its design (models/linear/design-read.ts) and
 * a tree builds its columns (models/tree/cart-entry-columns.ts): one row's, and every row's of a
 * source matrix whose rows this thread reads fit after fit — the data set a property-inference or
 * shadow pool draws its training sets from, shared with its workers (parallel/training-pool.ts). A 2,000-row Adult shadow read its rows (108 values, ~14 non-zero)
 * scattered over the source's 13.8 MB, each fit: ~15–25% of a ~4.5-ms logistic fit waited on
 * memory. Kept as entries (the non-zeros and their columns, 12 bytes each), a row is a sixth of the
 * bytes, next to the rows around it.
 */

import type { SelectedRows } from './selected-rows.ts';

/** Set by `rowEntries` when a row holds a value that is not finite; the reader clears it first. */
export let notFiniteSeen = false;

export function clearNotFiniteSeen(): void {
  notFiniteSeen = false;
}

/** Copies row `row`'s kept entries at entry k on, as `rowEntries` writes the row (`notFiniteSeen` too); the next entry. */
export function keptRowEntries(kept: SourceEntries, row: number, columns: Uint32Array, values: Float64Array, k: number): number {
  for (let e = kept.start[row]; e < kept.start[row + 1]; e++, k++) {
    columns[k] = kept.columns[e];
    values[k] = kept.values[e];
  }
  if (kept.notFinite[row]) notFiniteSeen = true;
  return k;
}

/**
 * Writes a row's non-zero values (`cols` from `from`) and their columns at entry k on (room for
 * `cols` from k); the next entry. Each value times 0 is added up too, without a branch: ±0 while
 * every value is finite, NaN once one is NaN or ±Infinity (then `notFiniteSeen`).
 */
export function rowEntries(data: Float64Array, from: number, cols: number, columns: Uint32Array, values: Float64Array, k: number): number {
  let poison = 0;
  for (let j = 0; j < cols; j++) {
    const value = data[from + j];
    columns[k] = j;
    values[k] = value;
    poison += value * 0;
    k += value !== 0 ? 1 : 0;
  }
  if (poison !== 0) notFiniteSeen = true;
  return k;
}

/** Every row's entries of a source, as `rowEntries` writes them: row i's at [start[i], start[i + 1]); `notFinite[i]` 1 where row i holds a value that is not finite. */
export interface SourceEntries {
  start: Uint32Array;
  columns: Uint32Array;
  values: Float64Array;
  notFinite: Uint8Array;
  /** Whether a value is −0 (an entry holds neither zero: a reader that writes the zeros back as +0 must know). */
  negativeZero: boolean;
}

/** Entries this thread keeps, of all its sources together: 48 MB. */
const KEEP_ENTRIES = 4 << 20;
/** A source with more of its values non-zero is read as it lies: its entries would save too little. */
const DENSEST_KEPT = 0.25;

/** By key, in the order last used (the first, the next to go): a source's entries, or `dense` (not kept, `DENSEST_KEPT`). */
const kept = new Map<number, SourceEntries | 'dense'>();
/** Reads of each source not kept: its entries are made at the second (one read of a source costs less than making them). */
const reads = new Map<number, number>();
let keptEntries = 0;

/**
 * The entries of `source` (`cols` wide), named by `key` (the same key, the same values): kept from
 * its second read on, while sparse enough and within this thread's room (the source used longest
 * ago gives way); undefined where its rows are to be read as they lie.
 */
export function entriesOfSource(key: number, source: Float64Array, cols: number): SourceEntries | undefined {
  const known = kept.get(key);
  if (known) {
    kept.delete(key);
    kept.set(key, known);
    return known === 'dense' ? undefined : known;
  }
  const count = (reads.get(key) ?? 0) + 1;
  reads.set(key, count);
  if (count < 2 || cols === 0) return undefined;
  reads.delete(key);
  let nonZeros = 0;
  for (let v = 0; v < source.length; v++) nonZeros += source[v] !== 0 ? 1 : 0;
  if (nonZeros > DENSEST_KEPT * source.length || nonZeros > KEEP_ENTRIES) {
    kept.set(key, 'dense');
    return undefined;
  }
  for (const [oldest, entries] of kept) {
    if (keptEntries + nonZeros <= KEEP_ENTRIES) break;
    kept.delete(oldest);
    if (entries !== 'dense') keptEntries -= entries.values.length;
  }
  const entries = sourceEntries(source, cols, nonZeros);
  kept.set(key, entries);
  keptEntries += entries.values.length;
  return entries;
}

function sourceEntries(source: Float64Array, cols: number, nonZeros: number): SourceEntries {
  const rows = source.length / cols;
  const start = new Uint32Array(rows + 1);
  // Room for a whole row past the last entry: `rowEntries` writes each value before it moves on.
  const [columns, values] = [new Uint32Array(nonZeros + cols), new Float64Array(nonZeros + cols)];
  const notFinite = new Uint8Array(rows);
  // Made in the midst of a read of other rows: what that read has seen so far is kept.
  const seen = notFiniteSeen;
  let k = 0;
  for (let i = 0; i < rows; i++) {
    start[i] = k;
    notFiniteSeen = false;
    k = rowEntries(source, i * cols, cols, columns, values, k);
    notFinite[i] = notFiniteSeen ? 1 : 0;
  }
  start[rows] = k;
  notFiniteSeen = seen;
  return { start, columns: columns.subarray(0, k), values: values.subarray(0, k), notFinite, negativeZero: hasNegativeZero(source) };
}

function hasNegativeZero(source: Float64Array): boolean {
  for (let v = 0; v < source.length; v++) if (source[v] === 0 && 1 / source[v] < 0) return true;
  return false;
}

/** Entries of rows: row i's at [start[i], start[i + 1]), each row's in column order. */
export interface RowsEntries {
  start: Uint32Array;
  columns: Uint32Array;
  values: Float64Array;
}

/**
 * The entries of a selection's rows (math/selected-rows.ts) from the entries this thread keeps of
 * its sources, in the selection's order; undefined unless every part's source is kept and holds no
 * −0 (a reader that writes the missing entries back as +0 then sees every value as it is).
 */
export function keptSelectionEntries(selection: SelectedRows): RowsEntries | undefined {
  const { cols, parts } = selection;
  const kept: SourceEntries[] = [];
  for (const part of parts) {
    const entries = part.key === undefined ? undefined : entriesOfSource(part.key, part.source, cols);
    if (!entries || entries.negativeZero) return undefined;
    kept.push(entries);
  }
  let rows = 0;
  let count = 0;
  parts.forEach(({ rows: picked }, p) => {
    rows += picked.length;
    for (let r = 0; r < picked.length; r++) count += kept[p].start[picked[r] + 1] - kept[p].start[picked[r]];
  });
  const start = new Uint32Array(rows + 1);
  const [columns, values] = [new Uint32Array(count), new Float64Array(count)];
  let [i, k] = [0, 0];
  parts.forEach(({ rows: picked }, p) => {
    const from = kept[p];
    for (let r = 0; r < picked.length; r++, i++) {
      start[i] = k;
      k = keptRowEntries(from, picked[r], columns, values, k);
    }
  });
  start[rows] = k;
  return { start, columns, values };
}
