import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { selectedRowsMatrix } from '../math/selected-rows.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { checkInput, checkTrainingFeatures } from './validate.ts';

/** The place checkInput names, or undefined when it accepts the rows. */
function namedPlace(rows: number, cols: number, data: Float64Array, allowMissing: boolean): string | undefined {
  try {
    checkInput('m', cols, createMatrix(rows, cols, data), { allowMissing });
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.issues[0].path;
  }
}

test('checkInput names the first value not allowed (±Infinity; NaN unless missing values are allowed), in blocks and past them, as a value-by-value scan would', () => {
  fc.assert(
    fc.property(
      // Up to 18,000 values: below 4,096 the loop scans, above it the WebAssembly kernel (blocks of 8,192).
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 1, max: 150 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 4 }),
      fc.boolean(),
      (rows, cols, bad, allowMissing) => {
        const data = Float64Array.from({ length: rows * cols }, (_, k) => (k % 7) - 3 + (k % 2 === 0 ? -0 : 0.5));
        for (const [at, value] of bad) data[at % data.length] = value;
        const first = data.findIndex((value) => (allowMissing ? value === Infinity || value === -Infinity : !Number.isFinite(value)));
        const expected = first < 0 ? undefined : `features[${Math.floor(first / cols)}][${first % cols}]`;
        assert.equal(namedPlace(rows, cols, data, allowMissing), expected);
      },
    ),
    { numRuns: 400, seed: 77 },
  );
});

test('training rows of other matrices: the first value not allowed is named as in the rows gathered', () => {
  const source = Float64Array.from({ length: 40 }, (_, k) => k / 4);
  source[4 * 3 + 2] = NaN; // row 3, column 2 of the source
  source[4 * 7 + 1] = -Infinity;
  const check = (rows: number[], allowMissing: boolean) => {
    const matrix = selectedRowsMatrix({ cols: 4, parts: [{ source, rows: Int32Array.from(rows) }] }, new Float64Array(4 * rows.length));
    try {
      checkTrainingFeatures('m', matrix, { allowMissing });
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return `${error.issues[0].path}: ${error.issues[0].message.split(';')[0]}`;
    }
  };
  assert.equal(check([0, 5, 3, 7], false), 'features[2][2]: is NaN');
  assert.equal(check([0, 5, 3, 7], true), 'features[3][1]: is -Infinity');
  assert.equal(check([9, 1, 0], false), 'accepted');
});

test('given the rows’ schema, a value not allowed is named by its feature (a one-hot level as column=level) and its row counted from 1; a schema of another width names nothing', () => {
  const schema: FeatureSchema = { features: [{ kind: 'numeric', name: 'age', min: 0, max: 99 }, { kind: 'categorical', name: 'colour', levels: ['red', 'blue'], encoding: 'one-hot' }, { kind: 'numeric', name: 'income', min: 0, max: 1 }] };
  const rows = createMatrix(3, 4, Float64Array.of(30, 1, 0, 0.5, 40, 0, 1, 0.2, 50, 0, Infinity, 0.1));
  const message = (run: () => void) => {
    try {
      run();
      return 'accepted';
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return `${error.issues[0].path}: ${error.issues[0].message}`;
    }
  };
  assert.equal(message(() => checkInput('m', 4, rows, { schema })), 'features[2][2]: is Infinity (feature "colour=blue", row 3); give finite values');
  assert.equal(message(() => checkTrainingFeatures('m', rows, { schema, allowMissing: true })), 'features[2][2]: is Infinity (feature "colour=blue", training row 3); only NaN may mark a missing value');
  assert.equal(message(() => checkInput('m', 4, rows, { schema: { features: schema.features.slice(0, 2) } })), 'features[2][2]: is Infinity; give finite values');
});
