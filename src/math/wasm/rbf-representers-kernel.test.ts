/**
 * The representer refinement's loss and gradient in WebAssembly against the JavaScript objective it
 * follows: the same bits on every shape (odd and even centres and classes, one dimension, one
 * centre), and the same refined surrogate from the same start (kernel-representers.ts).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { refineRepresenters, representerObjective } from '../../attacks/extraction/kernel-representers.ts';
import { createMatrix } from '../matrix.ts';
import { Rng } from '../../random.ts';
import { representerObjectiveKernel } from './rbf-representers-kernel.ts';
import { instantiate } from './memory.ts';
import { WASM_BASE64 } from './rbf-representers.wasm.ts';

function problem(rng: Rng, m: number, d: number, k: number, classes: number) {
  const x = Float64Array.from({ length: m * d }, () => 2 * rng.uniform() - 1);
  const targets = Float64Array.from({ length: m * classes }, () => rng.uniform() - 0.5);
  const theta = Float64Array.from({ length: k * d + classes * k + classes }, () => 2 * rng.uniform() - 1);
  return { x, targets, theta };
}

test('the WebAssembly objective gives the JavaScript loop\'s loss and gradient bit for bit, on any shape', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 17 }), fc.integer({ min: 2, max: 7 }), fc.double({ min: 0.01, max: 20, noNaN: true }), fc.integer({ min: 1, max: 1 << 30 }), (m, d, k, classes, gamma, seed) => {
      const { x, targets, theta } = problem(new Rng(seed), m, d, k, classes);
      const shape = { m, d, k, classes, gamma };
      const [ours, theirs] = [new Float64Array(theta.length), new Float64Array(theta.length)];
      const wasm = representerObjectiveKernel(x, targets, shape);
      // Twice: the second evaluation starts from the first's scratch and gradient.
      for (const point of [theta, theta.map((value) => value * 0.9)]) {
        assert.ok(Object.is(wasm(point, ours), representerObjective(x, targets, shape)(point, theirs)));
        assert.deepEqual(ours, theirs);
      }
    }),
    { numRuns: 60, seed: 42 },
  );
});

test("two exps side by side (exp-pair.wati) are Math.exp's, bit for bit: at its range's edges, past them, and anywhere", () => {
  const kernel = instantiate<{ memory: WebAssembly.Memory; exp_two(at: number): void }>(WASM_BASE64);
  const pair = new Float64Array(kernel.memory.buffer, 0, 2);
  const check = (a: number, b: number) => {
    pair[0] = a;
    pair[1] = b;
    kernel.exp_two(0);
    assert.ok(Object.is(pair[0], Math.exp(a)) && Object.is(pair[1], Math.exp(b)), `exp(${a}) = ${Math.exp(a)}, exp(${b}) = ${Math.exp(b)}: got ${pair[0]}, ${pair[1]}`);
  };
  const low = new Float64Array(new BigUint64Array([0x3ff0a2b200000000n]).buffer)[0];
  const edges = [low, -low, low * (1 - 2 ** -52), -low * (1 + 2 ** -52), 707, -707, 706.9999999999999, -706.9999999999999, 745.2, -745.2, 709.8, 1, -1, 0.5, 0, -0, 1e-300, NaN, Infinity, -Infinity];
  for (const a of edges) for (const b of edges) check(a, b);
  fc.assert(
    fc.property(fc.double({ min: -800, max: 800, noNaN: true }), fc.double({ min: -800, max: 800, noNaN: true }), (a, b) => check(a, b)),
    { numRuns: 5000, seed: 42 },
  );
  fc.assert(fc.property(fc.double({ min: -3, max: 3 }), fc.double({ min: -3, max: 3 }), (a, b) => check(a, b)), { numRuns: 2000, seed: 7 });
});

test('refinement in WebAssembly reaches the JavaScript loop\'s surrogate, the same bits after 40 L-BFGS iterations', () => {
  const rng = new Rng(7);
  const [m, d, k, classes] = [120, 4, 9, 3];
  const points = createMatrix(m, d, Float64Array.from({ length: m * d }, () => 2 * rng.uniform() - 1));
  const observed = createMatrix(m, classes);
  for (let i = 0; i < m; i++) {
    const logits = [points.data[i * d], points.data[i * d + 1] * points.data[i * d + 2], -points.data[i * d + 3]];
    const total = logits.reduce((sum, value) => sum + Math.exp(value), 0);
    logits.forEach((value, c) => (observed.data[i * classes + c] = Math.exp(value) / total));
  }
  const start = { centres: createMatrix(k, d, points.data.slice(0, k * d)), coefficients: createMatrix(classes, k, new Float64Array(classes * k).fill(0.1)), biases: new Float64Array(classes) };
  const wasm = refineRepresenters(points, observed, 0.5, start, 40, 'wasm');
  const js = refineRepresenters(points, observed, 0.5, start, 40, 'js');
  assert.ok(Object.is(wasm.loss, js.loss), `${wasm.loss} against ${js.loss}`);
  assert.deepEqual(wasm.centres, js.centres);
  assert.deepEqual(wasm.coefficients, js.coefficients);
  assert.deepEqual(wasm.biases, js.biases);
  assert.ok(wasm.loss < 1e-2, `the refinement fits: loss ${wasm.loss}`);
});
