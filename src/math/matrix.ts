/**
 * A dense row-major float64 matrix: the one shape in which features travel through threatlab.
 * Exact float64 matters: extraction attacks are checked against their targets to many decimals.
 */

import { ValidationError } from '../errors.ts';

/** Dense row-major matrix of float64 values. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A matrix of the given shape, zero-filled unless `data` (of length rows × cols) is given. */
export function createMatrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new ValidationError('invalid matrix shape', [
      { path: 'shape', message: `${rows} × ${cols} must be non-negative integers` },
    ]);
  }
  const values = data ?? new Float64Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new ValidationError('matrix data does not match its shape', [
      { path: 'data', message: `has ${values.length} values, ${rows} × ${cols} needs ${rows * cols}` },
    ]);
  }
  return { rows, cols, data: values };
}

/** A matrix from an array of equal-length rows. */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw new ValidationError('rows differ in length', [
        { path: `rows[${i}]`, message: `has ${row.length} values, row 0 has ${cols}` },
      ]);
    }
    data.set(row, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Row `i` as a view (no copy). */
export function rowView(matrix: Matrix, i: number): Float64Array {
  return matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols);
}

/** A new matrix holding the given rows, in the given order. */
export function selectRows(matrix: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float64Array(indices.length * matrix.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    // A row past the end would read as zeros (an empty view), silently.
    if (!(Number.isInteger(i) && i >= 0 && i < matrix.rows)) throw new ValidationError('no such row', [{ path: `rows[${k}]`, message: `row ${i} is not one of the ${matrix.rows} rows (0 to ${matrix.rows - 1})` }]);
    out.set(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols), k * matrix.cols);
  }
  return { rows: indices.length, cols: matrix.cols, data: out };
}

/** `a` with the rows of `b` below it (same columns). */
export function stackRows(a: Matrix, b: Matrix): Matrix {
  const out = createMatrix(a.rows + b.rows, a.cols);
  out.data.set(a.data);
  out.data.set(b.data, a.data.length);
  return out;
}

/** Column `j` copied out. */
export function columnOf(matrix: Matrix, j: number): Float64Array {
  const out = new Float64Array(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) out[i] = matrix.data[i * matrix.cols + j];
  return out;
}

/** Rows as plain arrays (for JSON and small tables). */
export function matrixToRows(matrix: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < matrix.rows; i++) out.push(plainArray(rowView(matrix, i)));
  return out;
}

/**
 * The values as a plain array (a model's file form): one loop into an array of that length.
 * `Array.from` walks the iterator, 12–28 ms for a 100,352-value layer here against 3–8 ms.
 */
export function plainArray(values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}
