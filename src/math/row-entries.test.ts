import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entriesOfSource } from './row-entries.ts';

test("a source's entries are made at its second read and kept (the same arrays after), as rowEntries writes each row, with the rows that hold a value not finite; a source more than a quarter non-zero is read as it lies", () => {
  const cols = 8;
  const sparse = Float64Array.from({ length: 40 * cols }, (_, k) => (k % 9 === 0 ? (k % 2 ? 1 : -2.5) : k % 13 === 0 ? -0 : 0));
  sparse[5 * cols + 3] = NaN;
  sparse[17 * cols + 7] = Infinity;
  assert.equal(entriesOfSource(9001, sparse, cols), undefined, 'one read: nothing made');
  const kept = entriesOfSource(9001, sparse, cols)!;
  assert.ok(kept, 'made at the second');
  assert.equal(entriesOfSource(9001, sparse, cols), kept, 'kept');
  for (let row = 0; row < 40; row++) {
    const values = Array.from(sparse.subarray(row * cols, (row + 1) * cols));
    const nonZero = values.flatMap((value, j) => (value !== 0 ? [j] : []));
    assert.deepEqual(Array.from(kept.columns.subarray(kept.start[row], kept.start[row + 1])), nonZero, `row ${row}'s columns`);
    assert.deepEqual(Array.from(kept.values.subarray(kept.start[row], kept.start[row + 1])), nonZero.map((j) => values[j]), `row ${row}'s values`);
    assert.equal(kept.notFinite[row], row === 5 || row === 17 ? 1 : 0, `row ${row}`);
  }
  const dense = Float64Array.from({ length: 40 * cols }, (_, k) => (k % 3 === 0 ? 0 : k));
  for (let read = 0; read < 3; read++) assert.equal(entriesOfSource(9002, dense, cols), undefined, `read ${read} of a dense source`);
});
