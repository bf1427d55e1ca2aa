import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ColumnScaler } from '../data/encoders/scaling.ts';
import { createMatrix } from './matrix.ts';
import { scaledSparseRows, sparseRows } from './sparse-rows.ts';

test('scaledSparseRows gives the entries of sparseRows of the scaled matrix, bit for bit (zeros, one-hot columns, a factor of 0, tiny products)', () => {
  const value = fc.oneof(fc.constant(0), fc.constant(1), fc.constant(-0), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(1e-300));
  const factor = fc.oneof(fc.constant(1), fc.constant(0), fc.constant(1e-20), fc.double({ min: 0.01, max: 100, noNaN: true }));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.array(value, { minLength: 30, maxLength: 30 }), fc.array(factor, { minLength: 5, maxLength: 5 }), (rows, cols, values, factors) => {
      const x = createMatrix(rows, cols, Float64Array.from({ length: rows * cols }, (_, k) => values[k % values.length]));
      const f = Float64Array.from({ length: cols }, (_, j) => factors[j]);
      const expected = sparseRows(new ColumnScaler('standard', new Float64Array(cols), f, 0).transform(x));
      const got = scaledSparseRows(x, f);
      assert.deepEqual(Array.from(got.start), Array.from(expected.start));
      assert.deepEqual(Array.from(got.columns), Array.from(expected.columns));
      assert.deepEqual(Array.from(got.values), Array.from(expected.values));
    }),
    { seed: 7, numRuns: 300 },
  );
});
