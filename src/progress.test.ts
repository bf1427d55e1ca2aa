import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, silentProgress } from './progress.ts';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (text: string) => writes.push(text) } };
}

test('a forced bar draws the label, the fraction and a final newline', () => {
  const { writes, stream } = recorder(true);
  const progress = createProgress({ stream, force: true });
  progress.start('shadows', 4);
  progress.tick();
  progress.tick(3);
  progress.done();
  const text = writes.join('');
  assert.match(text, /shadows \[#+-*\] +25% 1\/4/);
  assert.match(text, /100% 4\/4/);
  assert.ok(text.endsWith('\n'));
});

test('under --json: JSON progress events (on stderr, so stdout keeps one document), each start and end and at most one a second', () => {
  const { writes, stream } = recorder(false);
  const progress = createProgress({ json: true, stream, force: true });
  progress.start('fitting softmax', 1000);
  for (let i = 0; i < 500; i++) progress.tick();
  progress.done();
  const events = writes.map((line) => JSON.parse(line).progress);
  assert.deepEqual(events[0], { task: 'fitting softmax', done: 0, total: 1000 });
  assert.deepEqual(events[events.length - 1], { task: 'fitting softmax', done: 1000, total: 1000 });
  assert.ok(events.length <= 3, `${events.length} events for a sub-second task`);
});

test('silent under --json in the test runner, off a terminal, and inside the test runner', () => {
  assert.equal(createProgress({ json: true, stream: recorder(true).stream }), silentProgress);
  assert.equal(createProgress({ stream: recorder(false).stream }), silentProgress);
  // node's test runner sets NODE_TEST_CONTEXT, so even a terminal stream stays silent here.
  assert.equal(createProgress({ stream: recorder(true).stream }), silentProgress);
});
