import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetExceededError, hasCode, NotFittedError, ThreatlabError, ValidationError } from './errors.ts';

test('every error is a ThreatlabError with a code and a JSON form', () => {
  const validation = new ValidationError('bad parameters', [
    { path: 'learningRate', message: 'must be > 0' },
    { path: 'epochs', message: 'must be an integer' },
  ]);
  assert.ok(validation instanceof ThreatlabError);
  assert.equal(validation.code, 'validation');
  assert.match(validation.message, /learningRate: must be > 0; epochs: must be an integer/);
  assert.deepEqual(validation.toJSON().error.issues?.length, 2);
  assert.ok(hasCode(new NotFittedError('scaler'), 'not-fitted'));
  const budget = new BudgetExceededError(100, 98, 5);
  assert.equal(budget.code, 'budget-exceeded');
  assert.match(budget.message, /98 of 100/);
  assert.equal(hasCode(new Error('x'), 'internal'), false);
});
