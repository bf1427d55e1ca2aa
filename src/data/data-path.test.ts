import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../errors.ts';
import { dataRoots, requireDataFile } from './data-path.ts';

test('THREATLAB_DATA is searched first, then ../shared/data', () => {
  const roots = dataRoots({ THREATLAB_DATA: '/somewhere/data' });
  assert.equal(roots[0], '/somewhere/data');
  assert.ok(roots.slice(1).every((root) => root.endsWith(join('shared', 'data'))));
});

test('a file under THREATLAB_DATA is found; a missing one names every path searched', () => {
  const root = mkdtempSync(join(tmpdir(), 'threatlab-data-'));
  mkdirSync(join(root, 'demo'));
  writeFileSync(join(root, 'demo', 'file.csv'), 'a\n1\n');
  const previous = process.env.THREATLAB_DATA;
  process.env.THREATLAB_DATA = root;
  try {
    assert.equal(requireDataFile('demo', 'demo/file.csv'), join(root, 'demo', 'file.csv'));
    assert.throws(
      () => requireDataFile('demo', 'demo/absent.csv'),
      (e) => hasCode(e, 'dataset-missing') && e.message.includes(join(root, 'demo', 'absent.csv')) && /THREATLAB_DATA/.test(e.message),
    );
  } finally {
    if (previous === undefined) delete process.env.THREATLAB_DATA;
    else process.env.THREATLAB_DATA = previous;
  }
});
