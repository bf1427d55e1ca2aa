import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.ts';
import { firstNotFinite } from './finite-check.ts';

/** The scan the kernel replaces, value by value. */
function expected(data: Float64Array, allowNan: boolean): number {
  return data.findIndex((value) => (allowNan ? value === Infinity || value === -Infinity : !Number.isFinite(value)));
}

test('the first value that is not finite, found in WebAssembly a block at a time, is the one a loop finds: NaN and ±Infinity at block edges, in pairs and tails, among −0, subnormals and the largest doubles; NaN passed over where missing values are allowed', () => {
  const rng = new Rng(7);
  const edgy = [-0, 0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308];
  // Lengths: the loop's (< 4,096), a whole number of 8,192-value blocks, and ragged ones with an odd tail.
  for (const length of [3, 4095, 4096, 8192, 8193, 16384 + 5, 3 * 8192 + 1]) {
    const clean = Float64Array.from({ length }, (_, k) => (k % 97 === 0 ? edgy[k % edgy.length] : rng.normal() * 1e3));
    assert.equal(firstNotFinite(clean), -1, `${length} finite values`);
    assert.equal(firstNotFinite(clean, true), -1);
    const places = [0, 1, length - 1, length - 2, Math.min(length - 1, 8191), Math.min(length - 1, 8192), Math.floor(length / 2)];
    for (const at of places) {
      for (const bad of [NaN, Infinity, -Infinity, -NaN]) {
        const data = Float64Array.from(clean);
        data[at] = bad;
        // A later one too: the first is the one named.
        if (at + 3 < length) data[at + 3] = Infinity;
        assert.equal(firstNotFinite(data), expected(data, false), `length ${length}, ${bad} at ${at}`);
        assert.equal(firstNotFinite(data, true), expected(data, true), `length ${length}, ${bad} at ${at}, NaN allowed`);
      }
    }
  }
});
