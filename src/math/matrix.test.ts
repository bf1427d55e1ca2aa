import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../errors.ts';
import { createMatrix, selectRows } from './matrix.ts';

test('selectRows copies the rows asked for, in order, repeats allowed; a row that does not exist is an error naming it, not a row of zeros', () => {
  const matrix = createMatrix(3, 2, Float64Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual(Array.from(selectRows(matrix, [2, 0, 2]).data), [5, 6, 1, 2, 5, 6]);
  for (const bad of [3, -1, 1.5, NaN]) {
    assert.throws(
      () => selectRows(matrix, [0, bad]),
      (error: unknown) => error instanceof ValidationError && error.code === 'validation' && /rows\[1\]: row .* is not one of the 3 rows \(0 to 2\)/.test(error.message + JSON.stringify(error.issues.map((issue) => `${issue.path}: ${issue.message}`))),
    );
  }
});
