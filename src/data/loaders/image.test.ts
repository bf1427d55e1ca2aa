import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hasCode } from '../../errors.ts';
import { encodePng, loadPgm, parsePgm, parsePng } from './image.ts';
import { parseIdx } from './idx.ts';

function p5(width: number, height: number, pixels: number[], header?: string): Buffer {
  return Buffer.concat([Buffer.from(header ?? `P5\n# a comment\n${width} ${height}\n255\n`), Buffer.from(pixels)]);
}

test('binary P5 PGM: pixels scaled to [0, 1], row-major', () => {
  const image = parsePgm(p5(3, 2, [0, 51, 255, 102, 153, 204]), 'face.pgm');
  assert.equal(image.width, 3);
  assert.equal(image.height, 2);
  assert.deepEqual(Array.from(image.pixels), [0, 0.2, 1, 0.4, 0.6, 0.8]);
});

test('a P5 pixel byte equal to a whitespace code is data, not header', () => {
  const image = parsePgm(p5(2, 1, [10, 32]), 'ws.pgm');
  assert.deepEqual(Array.from(image.pixels), [10 / 255, 32 / 255]);
});

test('ASCII P2 PGM with another maxval', () => {
  const image = parsePgm(Buffer.from('P2\n2 2\n15\n0 15\n5 10\n'), 'ascii.pgm');
  assert.deepEqual(Array.from(image.pixels), [0, 1, 1 / 3, 2 / 3]);
});

test('a wrong header and short pixel data are parse errors naming the file', () => {
  assert.throws(() => parsePgm(Buffer.from('P6\n1 1\n255\nabc'), 'colour.pgm'), (e) => hasCode(e, 'parse-error') && /colour\.pgm.*P5 or P2/.test(e.message));
  assert.throws(() => parsePgm(Buffer.from('P5\nx 1\n255\n\0'), 'bad.pgm'), (e) => hasCode(e, 'parse-error') && /bad\.pgm.*width/.test(e.message));
  assert.throws(() => parsePgm(p5(4, 4, [1, 2, 3]), 'short.pgm'), (e) => hasCode(e, 'parse-error') && /short\.pgm: short pixel data/.test(e.message));
  assert.throws(() => parsePgm(Buffer.from('P2\n2 2\n255\n1 2 3\n'), 'short2.pgm'), (e) => hasCode(e, 'parse-error') && /short pixel data/.test(e.message));
});

test('a missing PGM path names the path', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'threatlab-pgm-')), 'none.pgm');
  assert.throws(() => loadPgm(path), (e) => hasCode(e, 'file-not-found') && e.message.includes(path));
  const empty = path.replace('none', 'empty');
  writeFileSync(empty, '');
  assert.throws(() => loadPgm(empty), (e) => hasCode(e, 'empty-file'));
});

test('PNG round trip keeps grey levels', () => {
  const pixels = Float64Array.from([0, 0.2, 0.4, 0.6, 0.8, 1]);
  const decoded = parsePng(encodePng({ width: 3, height: 2, pixels }), 'grey.png');
  assert.equal(decoded.width, 3);
  decoded.pixels.forEach((value, i) => assert.ok(Math.abs(value - pixels[i]) < 1 / 255));
  assert.throws(() => parsePng(Buffer.from('not a png'), 'junk.png'), (e) => hasCode(e, 'parse-error') && /junk\.png/.test(e.message));
});

test('gzipped IDX arrays (the Fashion-MNIST format)', () => {
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
  const idx = parseIdx(gzipSync(Buffer.concat([header, Buffer.from([1, 2, 3, 4])])), 'images.gz');
  assert.deepEqual(idx.shape, [2, 1, 2]);
  assert.deepEqual(Array.from(idx.data), [1, 2, 3, 4]);
  assert.throws(() => parseIdx(Buffer.concat([header, Buffer.from([1])]), 'cut.idx'), (e) => hasCode(e, 'parse-error') && /truncated/.test(e.message));
  assert.throws(() => parseIdx(Buffer.from([1, 2, 3, 4]), 'x.idx'), (e) => hasCode(e, 'parse-error'));
});

test('a gzipped IDX file of two members: every byte, though the trailer gives the last member\'s size alone (the output chunk is only a hint)', () => {
  const rows = 100_000;
  const header = Buffer.from([0, 0, 8, 1, (rows >>> 24) & 255, (rows >>> 16) & 255, (rows >>> 8) & 255, rows & 255]);
  const body = Buffer.from(Array.from({ length: rows }, (_, i) => (i * 7919) % 251));
  const idx = parseIdx(Buffer.concat([gzipSync(Buffer.concat([header, body.subarray(0, rows - 10)])), gzipSync(body.subarray(rows - 10))]), 'two-members.gz');
  assert.deepEqual(idx.shape, [rows]);
  assert.ok(Buffer.from(idx.data).equals(body));
  const corrupt = gzipSync(Buffer.concat([header, body]));
  corrupt.writeUInt32LE(0xffffffff, corrupt.length - 4);
  assert.throws(() => parseIdx(corrupt, 'lying-trailer.gz'), (e) => hasCode(e, 'parse-error') && /lying-trailer\.gz: corrupt gzip/.test(e.message));
});
