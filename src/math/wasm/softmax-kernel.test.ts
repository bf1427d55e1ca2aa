/**
 * The dense kernel's exp and softmax (`sparse-layer.wat`) against V8's Math.exp and
 * dense-network.ts's `softmaxRows`: the same bits, for every kind of double (the reduction's
 * branches, the thresholds of overflow and underflow, subnormal results, NaN and the infinities).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { instantiateSparseLayer } from './sparse-layer.ts';
import { ensureBytes } from './memory.ts';
import { softmaxRows } from '../../models/neural/dense-network.ts';

const kernel = instantiateSparseLayer();

const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

test("the kernel's exp is Math.exp bit for bit: special values, each branch's edges, and random doubles over every range", () => {
  const edges = [0, -0, 1, -1, 0.5, -0.5, Math.LN2 / 2, Math.LN2 * 1.5, -Math.LN2 * 1.5, 2 ** -28, -(2 ** -28), 2 ** -29, 1e-300, 709.782712893384, 709.7827128933841, 709.78, -745.1332191019411, -745.13321910194122, -708.39, -708.4, -720, -744.4, Infinity, -Infinity, NaN, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 88.72, -87.33, 2, 3, 10, -10, 100, -100];
  for (const x of edges) assert.ok(sameBits(kernel.exp(x), Math.exp(x)), `exp(${x}): ${kernel.exp(x)} against ${Math.exp(x)}`);
  fc.assert(
    fc.property(fc.oneof(fc.double({ noNaN: false }), fc.double({ min: -750, max: 710 }), fc.double({ min: -2, max: 2 }), fc.double({ min: -1e-7, max: 1e-7 })), (x) => sameBits(kernel.exp(x), Math.exp(x))),
    { numRuns: 20000, seed: 17 },
  );
});

test("the kernel's softmax of rows is softmaxRows bit for bit (ties, −0, a NaN row, wide and narrow rows)", () => {
  const check = (values: Float64Array, rows: number, width: number) => {
    const expected = Float64Array.from(values);
    softmaxRows(expected, rows, width);
    ensureBytes(kernel.memory, 16 + 8 * values.length);
    const room = new Float64Array(kernel.memory.buffer, 16, values.length);
    room.set(values);
    kernel.softmax_rows(16, rows, width);
    const got = new Float64Array(kernel.memory.buffer, 16, values.length);
    for (let k = 0; k < values.length; k++) assert.ok(sameBits(got[k], expected[k]), `value ${k} of ${rows} × ${width}: ${got[k]} against ${expected[k]}`);
  };
  check(Float64Array.of(0, -0, 0, 3, 3, 3, NaN, 1, 2, -Infinity, 5, -Infinity), 4, 3);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (rows, width, seed) => {
      let state = seed;
      const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const scale = 10 ** Math.floor(next() * 6 - 2);
      check(Float64Array.from({ length: rows * width }, () => (next() - 0.5) * scale), rows, width);
    }),
    { numRuns: 300, seed: 23 },
  );
});
