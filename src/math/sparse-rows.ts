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
