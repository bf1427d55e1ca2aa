import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classificationDataset } from '../../data/dataset.ts';
import type { Feature } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import { selectedRowsMatrix } from '../../math/selected-rows.ts';
import { buildColumns } from './cart-columns.ts';

let nextKey = 500_000;

/** A column's values: one-hot levels, two values without 0 or with 0 as the high one, a constant, many values, missing ones, an ordinal level. */
const columnKind = fc.constantFrom('onehot', 'three-five', 'minus-two-zero', 'constant', 'many', 'missing', 'ordinal');

function valueOf(kind: string, u: number, v: number): number {
  switch (kind) {
    case 'onehot': return u < 0.15 ? 1 : 0;
    case 'three-five': return u < 0.5 ? 3 : 5;
    case 'minus-two-zero': return u < 0.2 ? -2 : 0;
    case 'constant': return 0;
    case 'many': return u < 0.7 ? 0 : Math.round(v * 40) / 4;
    case 'missing': return u < 0.1 ? NaN : u < 0.3 ? v : 0;
    default: return u < 0.6 ? 0 : Math.floor(v * 3);
  }
}

test("CART's columns of rows named on a sparse data set whose entries the thread keeps: built from the entries, never gathered, the same as built from the rows gathered (values, ranks, missing, the byte columns' ones)", () => {
  fc.assert(
    fc.property(fc.array(columnKind, { minLength: 1, maxLength: 9 }), fc.integer({ min: 4, max: 60 }), fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 60 * 9, maxLength: 60 * 9 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.boolean(), (kinds, sourceRows, draws, picks, byteRanks) => {
      const cols = kinds.length;
      // Mostly zeros overall (a kept source is a quarter non-zero at most): zero columns pad it.
      const width = cols * 4;
      const source = new Float64Array(sourceRows * width);
      for (let i = 0; i < sourceRows; i++) for (let j = 0; j < cols; j++) {
        const [u, v] = draws[(i * cols + j) % draws.length];
        source[i * width + j] = valueOf(kinds[j], u, v);
      }
      const features: Feature[] = Array.from({ length: width }, (_, j) => (j < cols && kinds[j] === 'ordinal' ? { kind: 'categorical', name: `c${j}`, levels: ['a', 'b', 'c'], encoding: 'ordinal' } : { kind: 'numeric', name: `x${j}`, min: -10, max: 10 }));
      const rows = Int32Array.from(picks, (p) => p % sourceRows);
      const labels = Int32Array.from(rows, (r, k) => (r + k) % 2);
      const describe = { name: 't', classes: ['a', 'b'], schema: { features }, targetName: 'y', labels };
      const gathered = new Float64Array(rows.length * width);
      rows.forEach((r, k) => gathered.set(source.subarray(r * width, (r + 1) * width), k * width));
      const expected = buildColumns(classificationDataset({ ...describe, features: createMatrix(rows.length, width, gathered) }), 'tree', { byteRanks });
      const key = nextKey++;
      // Read three times: the first two from the rows (the entries are kept at the second), the third from the entries.
      for (let read = 0; read < 3; read++) {
        const matrix = selectedRowsMatrix({ cols: width, parts: [{ source, rows, key }] }, new Float64Array(rows.length * width));
        const got = buildColumns(classificationDataset({ ...describe, features: matrix }), 'tree', { byteRanks });
        assert.deepEqual(got.columns, expected.columns, `read ${read}`);
        assert.deepEqual(Array.from(got.ones.start), Array.from(expected.ones.start));
        assert.deepEqual(Array.from(got.ones.entries), Array.from(expected.ones.entries));
        assert.deepEqual(Array.from(got.ones.columns), Array.from(expected.ones.columns));
        if (read === 2) assert.ok(Object.getOwnPropertyDescriptor(matrix, 'data')?.get, 'built from the entries, never gathered');
      }
    }),
    { seed: 23, numRuns: 300 },
  );
});

test('a source holding −0 is read from its rows (its entries would give +0 back): the same columns, the rows gathered', () => {
  const width = 8;
  const source = Float64Array.from({ length: 30 * width }, (_, k) => (k % width === 0 ? (k % 3 === 0 ? 1 : 0) : k % width === 1 ? (k % 5 === 0 ? 2.5 : -0) : 0));
  const rows = Int32Array.from({ length: 20 }, (_, k) => (k * 7) % 30);
  const describe = { name: 't', classes: ['a', 'b'], schema: { features: Array.from({ length: width }, (_, j) => ({ kind: 'numeric' as const, name: `x${j}`, min: -10, max: 10 })) }, targetName: 'y', labels: Int32Array.from(rows, (_, k) => k % 2) };
  const gathered = new Float64Array(rows.length * width);
  rows.forEach((r, k) => gathered.set(source.subarray(r * width, (r + 1) * width), k * width));
  const expected = buildColumns(classificationDataset({ ...describe, features: createMatrix(rows.length, width, gathered) }), 'tree', { byteRanks: true });
  for (let read = 0; read < 3; read++) {
    const matrix = selectedRowsMatrix({ cols: width, parts: [{ source, rows, key: nextKey }] }, new Float64Array(rows.length * width));
    assert.deepEqual(buildColumns(classificationDataset({ ...describe, features: matrix }), 'tree', { byteRanks: true }), expected);
    assert.equal(Object.getOwnPropertyDescriptor(matrix, 'data')?.value, matrix.data, `read ${read}: gathered`);
  }
});
