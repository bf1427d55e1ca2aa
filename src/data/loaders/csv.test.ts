import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../../errors.ts';
import { loadCsv, parseCsv, PROGRESS_MIN_BYTES } from './csv.ts';

test('CR-only line endings, quoted fields with separators and line breaks', () => {
  const table = parseCsv('name,comment\r"a","x, y"\r"b","two\rlines"\r', 'cr.csv');
  assert.deepEqual(table.columns, ['name', 'comment']);
  assert.deepEqual(table.rows, [['a', 'x, y'], ['b', 'two\rlines']]);
  assert.deepEqual(table.lines, [2, 4]); // a row's line is the one it ends on
});

test('"?", "NA" and empty are missing by default; the list is configurable', () => {
  const text = 'a,b,c\n?,NA,\n1,2,3\n';
  assert.deepEqual(parseCsv(text, 't.csv').rows[0], [undefined, undefined, undefined]);
  assert.deepEqual(parseCsv(text, 't.csv', { missing: [''] }).rows[0], ['?', 'NA', undefined]);
});

test('header names and values lose the spaces around separators (Adult, Iris)', () => {
  const table = parseCsv('sepal length, class\n5.1, Iris-setosa\n', 'iris.csv');
  assert.deepEqual(table.columns, ['sepal length', 'class']);
  assert.deepEqual(table.rows[0], ['5.1', 'Iris-setosa']);
});

test('a sub-header line after the header can be skipped', () => {
  const table = parseCsv('a,b\n,Response\n1,2\n', 'survey.csv', { skipAfterHeader: 1 });
  assert.deepEqual(table.rows, [['1', '2']]);
  assert.deepEqual(table.lines, [3]);
});

test('a ragged row is an error naming the file and the line', () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3\n4,5\n', 'ragged.csv'),
    (error) => hasCode(error, 'ragged-row') && /ragged\.csv:3/.test(error.message),
  );
});

test('an unclosed quote is a parse error naming the file', () => {
  assert.throws(() => parseCsv('a,b\n1,"2\n', 'quote.csv'), (error) => hasCode(error, 'parse-error') && /quote\.csv/.test(error.message));
});

test('a missing path and an empty file are errors that name the file', () => {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-csv-'));
  const missing = join(folder, 'absent.csv');
  assert.throws(() => loadCsv(missing), (error) => hasCode(error, 'file-not-found') && error.message.includes(missing));
  const empty = join(folder, 'empty.csv');
  writeFileSync(empty, '');
  assert.throws(() => loadCsv(empty), (error) => hasCode(error, 'empty-file') && error.message.includes(empty));
  const blank = join(folder, 'blank.csv');
  writeFileSync(blank, '\n\n');
  assert.throws(() => loadCsv(blank), (error) => hasCode(error, 'empty-file'));
});

test('a large CSV reports progress in megabytes parsed, ending at the file size; a small one reports none', () => {
  const line = '0.12345,0.67890,abc\n';
  const text = `x,y,label\n${line.repeat(Math.ceil((PROGRESS_MIN_BYTES * 1.5) / line.length))}`;
  const events: Array<[string, number]> = [];
  const progress = { start: (label: string, total: number) => events.push([label, total]), tick: (steps = 1) => events.push(['tick', steps]), done: () => events.push(['done', 0]) };
  const table = parseCsv(text, '/data/big.csv', { progress });
  assert.equal(table.rows.length, Math.ceil((PROGRESS_MIN_BYTES * 1.5) / line.length));
  const [label, total] = events[0];
  assert.equal(label, 'parsing big.csv (MB)');
  assert.equal(total, Math.ceil(text.length / 1e6));
  const ticked = events.filter(([name]) => name === 'tick').reduce((sum, [, steps]) => sum + steps, 0);
  assert.ok(ticked >= total - 1 && ticked <= total, `${ticked} of ${total} MB reported before done`);
  assert.deepEqual(events[events.length - 1], ['done', 0]);
  const small: unknown[] = [];
  parseCsv('x,y\n1,2\n', 'small.csv', { progress: { start: () => small.push(1), tick: () => small.push(1), done: () => small.push(1) } });
  assert.equal(small.length, 0);
});
