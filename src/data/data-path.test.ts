import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCode } from '../errors.ts';
import { dataRoots, REPOSITORY_DATA, requireDataFile } from './data-path.ts';

test("THREATLAB_DATA is searched first, then the repository's data/", () => {
  const roots = dataRoots({ THREATLAB_DATA: '/somewhere/data' });
  assert.deepEqual(roots, ['/somewhere/data', REPOSITORY_DATA]);
  assert.deepEqual(dataRoots({}), [REPOSITORY_DATA]);
});

test("the repository's data files match data/SHA256SUMS", () => {
  const sums = readFileSync(join(REPOSITORY_DATA, 'SHA256SUMS'), 'utf8').trim().split('\n');
  assert.ok(sums.length >= 418, `${sums.length} files listed`);
  for (const line of sums) {
    const [sum, path] = line.split(/\s+/);
    assert.equal(createHash('sha256').update(readFileSync(join(REPOSITORY_DATA, path))).digest('hex'), sum, path);
  }
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
