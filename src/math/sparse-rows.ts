/** Compressed sparse rows: one-hot data (Adult: 14 of 108 columns set) visited through its non-zero entries. */

import type { Matrix } from './matrix.ts';

/** Rows as lists of (column, value) of their non-zero entries. */
export interface SparseRows {
  start: Uint32Array;
  columns: Uint32Array;
  values: Float64Array;
}

/** The non-zero entries of each row of `design`, in column order. */
export function sparseRows(design: Matrix): SparseRows {
  let nonZeros = 0;
  const { data } = design;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nonZeros++;
  const start = new Uint32Array(design.rows + 1);
  const columns = new Uint32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  let k = 0;
  for (let i = 0; i < design.rows; i++) {
    start[i] = k;
    for (let j = 0; j < design.cols; j++) {
      const value = design.data[i * design.cols + j];
      if (value !== 0) {
        columns[k] = j;
        values[k++] = value;
      }
    }
  }
  start[design.rows] = k;
  return { start, columns, values };
}

/**
 * The non-zero entries of `design` with column j multiplied by `factor[j]`: the entries of
 * `sparseRows` of the scaled matrix, without making it (an entry that scales to zero is left out,
 * as there).
 */
export function scaledSparseRows(design: Matrix, factor: Float64Array): SparseRows {
  const { start, columns, values } = sparseRows(design);
  let kept = 0;
  for (let i = 0; i < design.rows; i++) {
    const from = start[i];
    start[i] = kept;
    for (let k = from; k < start[i + 1]; k++) {
      const value = values[k] * factor[columns[k]];
      if (value === 0) continue;
      columns[kept] = columns[k];
      values[kept++] = value;
    }
  }
  start[design.rows] = kept;
  return { start, columns: columns.subarray(0, kept), values: values.subarray(0, kept) };
}
