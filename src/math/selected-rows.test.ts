import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThreatlabError } from '../errors.ts';
import { selectedRowsMatrix, selectedRowsOf } from './selected-rows.ts';

const source = (rows: number, cols: number, base: number) => Float64Array.from({ length: rows * cols }, (_, k) => base + k);

test('a matrix of selected rows gathers them into its buffer at the first read of data, part after part, then reads as a plain matrix; it names its selection', () => {
  const [a, b] = [source(5, 3, 0), source(4, 3, 100)];
  const selection = { cols: 3, parts: [{ source: a, rows: Int32Array.of(4, 0, 4) }, { source: b, rows: Int32Array.of(2) }] };
  const into = new Float64Array(12).fill(-1);
  const matrix = selectedRowsMatrix(selection, into);
  assert.equal(matrix.rows, 4);
  assert.equal(matrix.cols, 3);
  assert.equal(selectedRowsOf(matrix), selection);
  assert.deepEqual(Array.from(into), new Array(12).fill(-1), 'nothing gathered before a read');
  assert.equal(matrix.data, into);
  assert.deepEqual(Array.from(matrix.data), [12, 13, 14, 0, 1, 2, 12, 13, 14, 106, 107, 108]);
  assert.equal(Object.getOwnPropertyDescriptor(matrix, 'data')?.value, into, 'a plain property after the first read');
  assert.deepEqual({ ...matrix }, { rows: 4, cols: 3, data: into });
});

test('a buffer that does not hold exactly the rows is an internal error', () => {
  assert.throws(
    () => selectedRowsMatrix({ cols: 3, parts: [{ source: source(5, 3, 0), rows: Int32Array.of(1, 2) }] }, new Float64Array(5)),
    (error: Error) => error instanceof ThreatlabError && error.code === 'internal' && /5 values for 2 rows of 3/.test(error.message),
  );
});
