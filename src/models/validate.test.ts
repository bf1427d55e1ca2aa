import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { checkInput } from './validate.ts';

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
