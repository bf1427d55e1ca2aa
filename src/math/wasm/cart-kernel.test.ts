import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartKernel } from './cart-kernel.ts';

test('the CART kernel marks sides (missing as 2, a level table or a cut) and splits a segment stably', () => {
  const { exports: kernel, buffer } = cartKernel(4096);
  const [order, ranks, goesRight, scratch, table] = [16, 64, 128, 160, 256];
  const rows = [4, 0, 3, 1, 2];
  new Uint32Array(buffer, order, 5).set(rows);
  new Uint32Array(buffer, ranks, 5).set([2, 0xffffffff, 0, 1, 3]); // row 1 missing
  // Ranks below 2 go left: rows 2 (rank 0) and 3 (rank 1); rows 0 and 4 right; row 1 missing.
  assert.equal(kernel.sidesOfRanks(order, 0, 5, ranks, 2, 0, goesRight), 2);
  assert.equal(kernel.second.value, 2);
  assert.deepEqual([...new Uint8Array(buffer, goesRight, 5)], [1, 2, 0, 0, 1]);
  kernel.settleMissing(order, 0, 5, goesRight, 0);
  assert.deepEqual([...new Uint8Array(buffer, goesRight, 5)], [1, 0, 0, 0, 1]);
  kernel.splitSegment(order, 0, 5, goesRight, scratch);
  assert.deepEqual([...new Uint32Array(buffer, order, 5)], [3, 1, 2, 4, 0], 'left rows first, then right, each in their order');
  // A level table: levels 1 and 3 go left.
  new Uint8Array(buffer, table, 4).set([0, 1, 0, 1]);
  assert.equal(kernel.sidesOfRanks(order, 0, 5, ranks, 0, table, goesRight), 2);
  assert.deepEqual([...new Uint8Array(buffer, goesRight, 5)], [1, 2, 1, 0, 0]);
});

test('the CART kernel scores prefixes as Gini does by hand, and a fit too large for the shared memory gets its own', () => {
  const { exports: kernel, buffer } = cartKernel(4096);
  const [counts, scratch] = [16, 256];
  // Three groups, two classes: [3, 0], [1, 1], [0, 4] — 9 rows, all present.
  new Float64Array(buffer, counts, 6).set([3, 0, 1, 1, 0, 4]);
  const best = kernel.bestPrefix(counts, 3, 0, 2, 9, 9, 1, scratch, 0);
  const gini = (a: number, b: number) => 1 - (a / (a + b)) ** 2 - (b / (a + b)) ** 2;
  const parent = gini(4, 5);
  const afterFirst = parent - (3 * gini(3, 0) + 6 * gini(1, 5)) / 9;
  const afterSecond = parent - (5 * gini(4, 1) + 4 * gini(0, 4)) / 9;
  assert.equal(best, afterSecond > afterFirst + 1e-12 ? 1 : 0);
  assert.equal(kernel.bestGain.value, Math.max(afterFirst, afterSecond));
  const large = cartKernel(300 << 20);
  assert.notEqual(large.buffer, cartKernel(4096).buffer);
  assert.ok(large.buffer.byteLength >= 300 << 20);
});
