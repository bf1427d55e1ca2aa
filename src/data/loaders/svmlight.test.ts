import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../errors.ts';
import { parseSvmlight } from './svmlight.ts';

test('sparse svmlight rows become dense rows; absent features are 0', () => {
  const { features, labels } = parseSvmlight('+1 1:0.5 3:-1\n-1 2:2 # comment\n\n', 'heart', 3);
  assert.deepEqual(Array.from(labels), [1, -1]);
  assert.deepEqual(Array.from(features.data), [0.5, 0, -1, 0, 2, 0]);
});

test('malformed pairs, bad labels and out-of-range indices name the line', () => {
  assert.throws(() => parseSvmlight('+1 1:a\n', 's'), (e) => hasCode(e, 'parse-error') && /s:1/.test(e.message));
  assert.throws(() => parseSvmlight('+1 1:1\nx 1:1\n', 's'), (e) => hasCode(e, 'parse-error') && /s:2/.test(e.message));
  assert.throws(() => parseSvmlight('+1 0:1\n', 's'), (e) => hasCode(e, 'parse-error'));
  assert.throws(() => parseSvmlight('+1 5:1\n', 's', 3), (e) => hasCode(e, 'parse-error') && /exceeds/.test(e.message));
  assert.throws(() => parseSvmlight('# only a comment\n', 's'), (e) => hasCode(e, 'empty-file'));
});
