/**
 * A matrix made of chosen rows of other matrices — a training set named by rows, as the shadow
 * models of the membership and property attacks are (Shokri et al. 2017; Ateniese et al. 2015) —
 * whose values are gathered only when something reads `data`. A reader that can take the rows
 * where they lie asks `selectedRowsOf` first: the linear fits read a design's non-zero entries and
 * check its values straight from the sources (models/linear/design-read.ts), and never gather. For a 2,000-row property shadow of Adult (108 columns) the gather and the
 * pass over the gathered copy were ~30% of a ~5-ms logistic fit. Every other reader gets the
 * gathered rows, the same values a copy made at once holds.
 */

import { ThreatlabError } from '../errors.ts';
import type { Matrix } from './matrix.ts';

/** Rows of one source matrix (row-major, `cols` wide), in the order taken. */
export interface RowPart {
  source: Float64Array;
  rows: Int32Array;
  /** A number naming `source` for what this thread keeps of it from fit to fit (math/row-entries.ts): the same key, the same values. */
  key?: number;
}

/** Rows of sources `cols` wide: each part's rows in order, part after part. */
export interface SelectedRows {
  cols: number;
  parts: readonly RowPart[];
}

const selections = new WeakMap<Matrix, SelectedRows>();

/** The rows a matrix is made of, where it was made by `selectedRowsMatrix`. */
export function selectedRowsOf(matrix: Matrix): SelectedRows | undefined {
  return selections.get(matrix);
}

/** The rows of `selection` as a matrix over `into` (exactly their values' room), gathered into it at the first read of `data`. */
export function selectedRowsMatrix(selection: SelectedRows, into: Float64Array): Matrix {
  const { cols, parts } = selection;
  const rows = parts.reduce((sum, part) => sum + part.rows.length, 0);
  if (into.length !== rows * cols) throw new ThreatlabError('internal', `a buffer of ${into.length} values for ${rows} rows of ${cols}`);
  const matrix = {
    rows,
    cols,
    get data(): Float64Array {
      gatherRows(selection, into);
      // From now on a plain property: hot loops read it as they read any matrix's.
      Object.defineProperty(matrix, 'data', { value: into, enumerable: true });
      return into;
    },
  };
  selections.set(matrix, selection);
  return matrix;
}

function gatherRows({ cols, parts }: SelectedRows, into: Float64Array): void {
  let k = 0;
  for (const { source, rows } of parts) {
    for (let r = 0; r < rows.length; r++, k++) into.set(source.subarray(rows[r] * cols, (rows[r] + 1) * cols), k * cols);
  }
}
