import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.ts';
import { clipRowsToBox } from './box-clip-kernel.ts';

/** What the kernel replaces, value by value. */
function clipInJavaScript(data: Float64Array, cols: number, rows: ArrayLike<number>, lower: Float64Array, upper: Float64Array): void {
  for (let k = 0; k < rows.length; k++) {
    for (let j = 0; j < cols; j++) {
      const at = rows[k] * cols + j;
      data[at] = Math.min(upper[j], Math.max(lower[j], data[at]));
    }
  }
}

/** Equal as Object.is has it: +0 and −0 apart, NaN equal to NaN. */
function assertSameValues(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < actual.length; k++) {
    if (!Object.is(actual[k], expected[k])) assert.fail(`${what}: value ${k} is ${Object.is(actual[k], -0) ? '-0' : actual[k]}, JavaScript's clip gives ${Object.is(expected[k], -0) ? '-0' : expected[k]}`);
  }
}

test("rows clipped to a box in WebAssembly are JavaScript's Math.min(upper, Math.max(lower, v)) value for value: signed zeros at zero bounds, NaN, ±Infinity, values on the bounds; odd widths, rows in many blocks, rows named out of order or with gaps, the other rows untouched", () => {
  const rng = new Rng(11);
  const edgy = [0, -0, NaN, Infinity, -Infinity, 1, -1, 0.25, 5e-324, -5e-324, 1e308, -1e308];
  for (const cols of [1, 2, 3, 7, 784, 785]) {
    // Bounds with zeros of both signs among them (the signed-zero rules of max and min), and equal bounds.
    const lower = Float64Array.from({ length: cols }, (_, j) => [0, -0, -1, 0.25, -Infinity][j % 5]);
    const upper = Float64Array.from({ length: cols }, (_, j) => [1, 0, -0, 0.25, Infinity][(j + 2) % 5]);
    for (let j = 0; j < cols; j++) if (upper[j] < lower[j]) [lower[j], upper[j]] = [upper[j], lower[j]];
    const total = 2000;
    const data = Float64Array.from({ length: total * cols }, (_, k) => (k % 3 === 0 ? edgy[k % edgy.length] : rng.normal() * 2));
    const selections: [string, number[]][] = [
      ['consecutive rows from 0', Array.from({ length: 1500 }, (_, k) => k)],
      ['consecutive rows from 37', Array.from({ length: 900 }, (_, k) => 37 + k)],
      ['every third row', Array.from({ length: 600 }, (_, k) => 3 * k + 1)],
      ['rows out of order', Array.from({ length: 700 }, (_, k) => (k * 997) % total)],
      ['one row', [total - 1]],
      ['no row', []],
    ];
    for (const [name, rows] of selections) {
      const ours = Float64Array.from(data);
      const theirs = Float64Array.from(data);
      clipRowsToBox(ours, cols, rows, lower, upper);
      clipInJavaScript(theirs, cols, rows, lower, upper);
      assertSameValues(ours, theirs, `${cols} columns, ${name}`);
    }
  }
});
