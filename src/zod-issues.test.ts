import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { predictRequest } from './api/protocol.ts';
import { plainIssues } from './zod-issues.ts';

const issuesOf = (schema: z.ZodTypeAny, value: unknown) => {
  const parsed = schema.safeParse(value);
  assert.equal(parsed.success, false);
  return plainIssues(parsed.error!, '(body)');
};

test("a union's issues are its furthest member's, at their place, not one '(body): Invalid input'", () => {
  assert.deepEqual(issuesOf(predictRequest, { records: [{ age: Infinity, sex: 'm' }] }), [{ path: 'records.0.age', message: 'expected string, number or null, received Infinity' }]);
  assert.deepEqual(issuesOf(predictRequest, { records: [{ age: [1] }] }), [{ path: 'records.0.age', message: 'expected string, number or null, received array' }]);
  assert.deepEqual(issuesOf(predictRequest, { rows: 5 }), [{ path: 'rows', message: 'Invalid input: expected array, received number' }]);
  assert.deepEqual(issuesOf(predictRequest, { records: [] }), [{ path: 'records', message: 'Too small: expected array to have >=1 items' }]);
});

test('a value no member gets into names each form, and the keys none knows', () => {
  assert.deepEqual(issuesOf(predictRequest, {}), [{ path: '(body)', message: 'rows: Invalid input: expected array, received undefined; or records: Invalid input: expected array, received undefined' }]);
  assert.deepEqual(issuesOf(predictRequest, { foo: 1 }), [
    { path: '(body)', message: 'rows: Invalid input: expected array, received undefined; or records: Invalid input: expected array, received undefined' },
    { path: '(body)', message: 'Unrecognized key: "foo"' },
  ]);
});

test('issues outside unions pass as zod words them, at most as many as asked', () => {
  const schema = z.object({ a: z.number(), b: z.string(), c: z.boolean() });
  assert.deepEqual(issuesOf(schema, { a: 'x', b: 1, c: 2 }).map((issue) => issue.path), ['a', 'b', 'c']);
  const parsed = schema.safeParse({});
  assert.equal(plainIssues(parsed.error!, '(root)', 2).length, 2);
  assert.deepEqual(issuesOf(z.number(), 'x'), [{ path: '(body)', message: 'Invalid input: expected number, received string' }]);
});
