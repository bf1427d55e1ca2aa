import { test } from 'node:test';
import assert from 'node:assert/strict';
import { borrowFloat32, borrowFloat64, giveBack, sparesKept } from './spare-arrays.ts';

test('an array given back is lent to the next borrower of its kind and length only; borrowers that overlap get their own', () => {
  const first = borrowFloat64(1000);
  const second = borrowFloat64(1000);
  assert.notEqual(first, second, 'two borrowers at once: two arrays');
  giveBack(first);
  assert.equal(borrowFloat32(1000) === (first as unknown), false, 'another kind: a new array');
  assert.notEqual(borrowFloat64(999), first, 'another length: a new array');
  assert.equal(borrowFloat64(1000), first, 'the same kind and length: the one given back');
  assert.notEqual(borrowFloat64(1000), first, 'lent once: not lent again until given back again');
  giveBack(second);
  giveBack(second);
  assert.equal(borrowFloat64(1000), second);
  assert.notEqual(borrowFloat64(1000), second, 'given back twice: kept once');
});

test('a view of part of a buffer, an empty (detached) array and one over the bytes kept are not kept; past sixteen arrays the longest kept goes', () => {
  const whole = new Float64Array(64);
  giveBack(whole.subarray(8));
  assert.notEqual(borrowFloat64(56).buffer, whole.buffer, 'a view is not lent: its buffer is its owner’s');
  giveBack(new Float64Array(0));
  giveBack(new Float64Array((32 * 1024 * 1024) / 8 + 1));
  assert.equal(sparesKept(), 0);
  const given = Array.from({ length: 20 }, (_, k) => new Float32Array(100 + k));
  for (const array of given) giveBack(array);
  assert.equal(sparesKept(), 16);
  assert.notEqual(borrowFloat32(100), given[0], 'the first given back went when the seventeenth came');
  assert.equal(borrowFloat32(119), given[19]);
  assert.equal(borrowFloat32(104), given[4]);
});
