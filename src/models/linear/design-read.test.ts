import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ColumnScaler, fitStandardScaler } from '../../data/encoders/scaling.ts';
import { createMatrix } from '../../math/matrix.ts';
import { sparseRows } from '../../math/sparse-rows.ts';
import { selectedRowsMatrix } from '../../math/selected-rows.ts';
import { readDesign, scaleEntries } from './design-read.ts';

test("a design's read gives the 0/1 columns, fitStandardScaler's factor for the others and, scaled in place, the entries of sparseRows of the scaled matrix, bit for bit (zeros, −0, NaN, one-hot columns, a factor of 0, tiny products)", () => {
  const value = fc.oneof(fc.constant(0), fc.constant(1), fc.constant(1), fc.constant(-0), fc.constant(Number.NaN), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(1e-300), fc.constant(3));
  const factor = fc.oneof(fc.constant(1), fc.constant(0), fc.constant(1e-20), fc.double({ min: 0.01, max: 100, noNaN: true }));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), fc.array(value, { minLength: 35, maxLength: 35 }), fc.array(factor, { minLength: 5, maxLength: 5 }), (rows, cols, values, factors) => {
      const x = createMatrix(rows, cols, Float64Array.from({ length: rows * cols }, (_, k) => values[k % values.length]));
      const f = Float64Array.from({ length: cols }, (_, j) => factors[j]);
      const read = readDesign(x);
      try {
        const binary = Array.from({ length: cols }, (_, j) => (Array.from({ length: rows }, (_, i) => x.data[i * cols + j]).every((v) => v === 0 || v === 1) ? 1 : 0));
        assert.deepEqual(Array.from(read.binary), binary);
        const standard = fitStandardScaler(x);
        assert.deepEqual(read.factor, standard.factor.map((factor, j) => (binary[j] ? 1 : factor)));
        const unscaled = sparseRows(x);
        assert.deepEqual(Array.from(read.entries.start), Array.from(unscaled.start));
        assert.deepEqual(Array.from(read.entries.columns), Array.from(unscaled.columns));
        assert.deepEqual(read.entries.values, unscaled.values);
        const expected = sparseRows(new ColumnScaler('standard', new Float64Array(cols), f, 0).transform(x));
        const got = scaleEntries(read.entries, rows, f);
        assert.deepEqual(Array.from(got.start), Array.from(expected.start));
        assert.deepEqual(Array.from(got.columns), Array.from(expected.columns));
        assert.deepEqual(got.values, expected.values);
      } finally {
        read.release();
      }
    }),
    { seed: 7, numRuns: 400 },
  );
});

test("the entries' arrays are lent: a read after another's release takes its arrays (a few more non-zeros too); reads held at once have their own; a design denser than its first rows grows them mid-read; an empty design gets the scaler's error", () => {
  const design = (nonZeros: number) => createMatrix(100, 50, Float64Array.from({ length: 5000 }, (_, k) => (k < nonZeros ? 1 + (k % 3) : 0)));
  const first = readDesign(design(2000));
  const held = readDesign(design(2000));
  assert.ok(held.entries.values.buffer !== first.entries.values.buffer, 'two reads held at once: two arrays');
  const buffers = [first.entries.start.buffer, first.entries.columns.buffer, first.entries.values.buffer];
  first.release();
  first.release();
  const next = readDesign(design(2010));
  const lent = [next.entries.start.buffer, next.entries.columns.buffer, next.entries.values.buffer];
  assert.ok(lent.every((buffer, k) => buffer === buffers[k]), 'the released arrays, lent again');
  assert.equal(next.entries.values.length, 2010);
  const other = readDesign(design(2001));
  assert.ok(other.entries.values.buffer !== buffers[2], 'released once: lent once');
  for (const read of [held, next, other]) read.release();
  // Room guessed from the first 256 rows (one non-zero each), a read whose later rows are dense grows its arrays as it goes: every entry kept.
  const dense = createMatrix(1000, 50, Float64Array.from({ length: 50000 }, (_, k) => (k >= 15000 || k % 50 === 0 ? 1 + (k % 7) : 0)));
  const grown = readDesign(dense);
  assert.deepEqual(Array.from(grown.entries.columns), Array.from(sparseRows(dense).columns));
  assert.deepEqual(Array.from(grown.entries.values), Array.from(sparseRows(dense).values));
  grown.release();
  assert.throws(() => readDesign(createMatrix(0, 3)), /cannot fit a standard scaler/);
});

let nextKey = 1;

test("rows of other matrices are read where they lie (or from the entries kept of a source named by a key), never gathered: the same read as of the rows gathered first (0/1 columns, factors, entries), and whether every value is finite", () => {
  // Mostly zeros: a source a quarter non-zero or less has its entries kept (math/row-entries.ts).
  const value = fc.oneof({ arbitrary: fc.constant(0), weight: 30 }, fc.constant(1), fc.constant(-0), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity));
  const part = (cols: number) => fc.record({ sourceRows: fc.integer({ min: 1, max: 9 }), values: fc.array(value, { minLength: 9 * cols, maxLength: 9 * cols }), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }).chain((cols) => fc.tuple(fc.constant(cols), fc.array(part(cols), { minLength: 1, maxLength: 3 }))), ([cols, parts]) => {
      const selection = {
        cols,
        parts: parts.map(({ sourceRows, values, picks }) => ({ source: Float64Array.from(values.slice(0, sourceRows * cols)), rows: Int32Array.from(picks, (pick) => pick % sourceRows) })),
      };
      const rows = selection.parts.reduce((sum, { rows: picked }) => sum + picked.length, 0);
      const gathered = new Float64Array(rows * cols);
      let k = 0;
      for (const { source, rows: picked } of selection.parts) for (const r of picked) gathered.set(source.subarray(r * cols, (r + 1) * cols), cols * k++);
      const expected = readDesign(createMatrix(rows, cols, gathered));
      // Unnamed sources, read where they lie; then named ones (a key each), read three times: where they lie, then from the entries kept at the second read.
      const keyed = { cols, parts: selection.parts.map((part) => ({ ...part, key: nextKey++ })) };
      for (const [matrix, times] of [[selectedRowsMatrix(selection, new Float64Array(rows * cols)), 1], [selectedRowsMatrix(keyed, new Float64Array(rows * cols)), 3]] as const) {
        for (let time = 0; time < times; time++) {
          const read = readDesign(matrix);
          try {
            assert.ok(Object.getOwnPropertyDescriptor(matrix, 'data')?.get, 'never gathered');
            assert.deepEqual(read.binary, expected.binary);
            assert.deepEqual(read.factor, expected.factor);
            assert.deepEqual(Array.from(read.entries.start), Array.from(expected.entries.start));
            assert.deepEqual(Array.from(read.entries.columns), Array.from(expected.entries.columns));
            assert.deepEqual(read.entries.values, expected.entries.values);
            assert.equal(read.finite, gathered.every((v) => Number.isFinite(v)));
          } finally {
            read.release();
          }
        }
      }
      assert.equal(expected.finite, gathered.every((v) => Number.isFinite(v)));
      expected.release();
    }),
    { seed: 11, numRuns: 300 },
  );
});
