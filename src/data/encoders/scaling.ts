/**
 * Feature scaling fitted on training data only: standard (zero mean, unit variance) and
 * min-max (to a target range, [0, 1] by default). Constant columns are left unscaled rather
 * than divided by zero. NaN (missing) values are ignored when fitting and stay NaN.
 */

import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';

/** A fitted per-column affine map x → (x − offset) × factor + shift. */
export class ColumnScaler {
  readonly kind: 'standard' | 'min-max';
  readonly offset: Float64Array;
  readonly factor: Float64Array;
  readonly shift: number;

  constructor(kind: 'standard' | 'min-max', offset: Float64Array, factor: Float64Array, shift: number) {
    this.kind = kind;
    this.offset = offset;
    this.factor = factor;
    this.shift = shift;
  }

  /** Scales a matrix with the same columns as the training matrix. */
  transform(matrix: Matrix): Matrix {
    const out = createMatrix(matrix.rows, matrix.cols);
    this.transformInto(matrix, out.data);
    return out;
  }

  /** Scales `matrix` into `out` (row-major, its size): each value computed in float64, then stored (a Float32Array rounds it once). */
  transformInto(matrix: Matrix, out: Float64Array | Float32Array): void {
    this.checkColumns(matrix);
    for (let i = 0; i < matrix.rows; i++) {
      for (let j = 0; j < matrix.cols; j++) {
        const k = i * matrix.cols + j;
        out[k] = (matrix.data[k] - this.offset[j]) * this.factor[j] + this.shift;
      }
    }
  }

  /** Maps scaled values back to the original units. */
  inverse(matrix: Matrix): Matrix {
    this.checkColumns(matrix);
    const out = createMatrix(matrix.rows, matrix.cols);
    for (let i = 0; i < matrix.rows; i++) {
      for (let j = 0; j < matrix.cols; j++) {
        const k = i * matrix.cols + j;
        out.data[k] = (matrix.data[k] - this.shift) / this.factor[j] + this.offset[j];
      }
    }
    return out;
  }

  private checkColumns(matrix: Matrix): void {
    if (matrix.cols !== this.offset.length) {
      throw new ValidationError(`${this.kind} scaler: wrong number of columns`, [
        { path: 'columns', message: `got ${matrix.cols}, fitted on ${this.offset.length}; transform rows encoded like the training rows` },
      ]);
    }
  }
}

function requireRows(rows: number, what: string): void {
  if (rows === 0) {
    throw new ValidationError(`cannot fit a ${what} scaler`, [{ path: 'rows', message: 'the training matrix is empty' }]);
  }
}

/**
 * Whether every value of `values[from, to)` lies in [0, 1] (NaN does not): features on a fixed unit
 * scale already — pixels, one-hot levels — which the models' default standardisation leaves as they
 * are (a pixel lit in a handful of images has a spread near 0, and its scaling folded into the
 * weights would give it one hundreds of times the others').
 */
export function withinUnitInterval(values: ArrayLike<number>, from = 0, to = values.length): boolean {
  for (let k = from; k < to; k++) if (!(values[k] >= 0 && values[k] <= 1)) return false;
  return true;
}

/**
 * Fits zero-mean, unit-variance scaling (population standard deviation, as scikit-learn); on the
 * rows `only` of `matrix` where given (in that order: the bits a copy of them would give).
 */
export function fitStandardScaler(matrix: Matrix, only?: Uint32Array): ColumnScaler {
  const rows = only?.length ?? matrix.rows;
  requireRows(rows, 'standard');
  const { cols, data } = matrix;
  const at = (i: number) => (only ? only[i] : i) * cols;
  const mean = new Float64Array(cols);
  const count = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = at(i);
    for (let j = 0; j < cols; j++) {
      const value = data[row + j];
      if (!Number.isNaN(value)) {
        mean[j] += value;
        count[j]++;
      }
    }
  }
  for (let j = 0; j < cols; j++) mean[j] = count[j] > 0 ? mean[j] / count[j] : 0;
  const variance = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const row = at(i);
    for (let j = 0; j < cols; j++) {
      const value = data[row + j];
      if (!Number.isNaN(value)) variance[j] += (value - mean[j]) ** 2;
    }
  }
  const factor = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const std = count[j] > 0 ? Math.sqrt(variance[j] / count[j]) : 0;
    factor[j] = std > 0 ? 1 / std : 1;
  }
  return new ColumnScaler('standard', mean, factor, 0);
}

/** Fits scaling of each column's training [min, max] onto `range` ([0, 1] by default). */
export function fitMinMaxScaler(matrix: Matrix, range: [number, number] = [0, 1]): ColumnScaler {
  requireRows(matrix.rows, 'min-max');
  if (!(range[1] > range[0])) {
    throw new ValidationError('cannot fit a min-max scaler', [
      { path: 'range', message: `[${range.join(', ')}] must be increasing, e.g. [0, 1] or [-1, 1]` },
    ]);
  }
  const { rows, cols, data } = matrix;
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const value = data[i * cols + j];
      if (value < min[j]) min[j] = value;
      if (value > max[j]) max[j] = value;
    }
  }
  const factor = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(min[j])) min[j] = 0;
    const span = max[j] - min[j];
    factor[j] = span > 0 ? (range[1] - range[0]) / span : 1;
  }
  return new ColumnScaler('min-max', min, factor, range[0]);
}
