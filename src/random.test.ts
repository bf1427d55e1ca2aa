import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from './random.ts';
import { hasCode } from './errors.ts';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const seqA = Array.from({ length: 20 }, () => a.uniform());
  const seqB = Array.from({ length: 20 }, () => b.uniform());
  const seqC = Array.from({ length: 20 }, () => c.uniform());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
});

test('uniform draws are in [0, 1) with mean near 1/2', () => {
  const rng = new Rng(1);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
});

test('normal draws have mean 0 and variance 1', () => {
  const rng = new Rng(2);
  const n = 100_000;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    sum += z;
    sumSq += z * z;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean) < 0.015);
  assert.ok(Math.abs(sumSq / n - mean * mean - 1) < 0.02);
});

test('int covers its range uniformly and permutation is a permutation', () => {
  const rng = new Rng(3);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
  for (const count of counts) assert.ok(Math.abs(count - 10_000) < 400);
  const perm = Array.from(rng.permutation(100)).sort((x, y) => x - y);
  assert.deepEqual(perm, Array.from({ length: 100 }, (_, i) => i));
});

test('fork gives a repeatable independent stream', () => {
  const first = new Rng(5).fork();
  const second = new Rng(5).fork();
  assert.equal(first.uniform(), second.uniform());
  assert.notEqual(new Rng(5).fork().uniform(), new Rng(5).uniform());
});

test('a bad seed is a validation error', () => {
  assert.throws(() => new Rng(-1), (error) => hasCode(error, 'validation'));
  assert.throws(() => new Rng(1.5), (error) => hasCode(error, 'validation'));
});


test('state() and setState carry a stream to another generator: it goes on with the same numbers', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 20 }), (seed, before) => {
      const source = new Rng(seed);
      for (let k = 0; k < before; k++) source.uniform();
      const copy = new Rng(0);
      copy.setState(source.state());
      for (let k = 0; k < 10; k++) assert.equal(copy.nextUint32(), source.nextUint32());
    }),
    { numRuns: 60, seed: 5 },
  );
});

test('fillCoins gives the values and leaves the stream where a loop of uniform() draws does', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, length, p) => {
      const [bulk, looped] = [new Rng(seed), new Rng(seed)];
      const out = new Float64Array(length);
      bulk.fillCoins(out, p, 0.75, -2);
      assert.deepEqual(out, Float64Array.from({ length }, () => (looped.uniform() < p ? 0.75 : -2)));
      for (let k = 0; k < 5; k++) assert.equal(bulk.nextUint32(), looped.nextUint32());
    }),
    { numRuns: 80, seed: 9 },
  );
});

test('fillBetween gives the values and leaves the stream where a loop of between() draws does (float64 and float32 arrays)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 300 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (seed, length, low, width) => {
      for (const Type of [Float64Array, Float32Array]) {
        const [bulk, looped] = [new Rng(seed), new Rng(seed)];
        const out = new Type(length);
        bulk.fillBetween(out, low, low + width);
        const want = new Type(length);
        for (let i = 0; i < length; i++) want[i] = looped.between(low, low + width);
        assert.deepEqual(out, want);
        for (let k = 0; k < 5; k++) assert.equal(bulk.nextUint32(), looped.nextUint32());
      }
    }),
    { numRuns: 80, seed: 11 },
  );
  // Past the kernel's block of 65,536 values (drawn a block at a time): the same values and stream.
  for (const Type of [Float64Array, Float32Array]) {
    const [bulk, looped] = [new Rng(77), new Rng(77)];
    const out = new Type(2 * 65536 + 17);
    bulk.fillBetween(out, -0.3, 0.7);
    const want = new Type(out.length);
    for (let i = 0; i < out.length; i++) want[i] = looped.between(-0.3, 0.7);
    assert.deepEqual(out, want);
    assert.equal(bulk.nextUint32(), looped.nextUint32());
  }
});

test('fillNormal gives the values and leaves the stream and the kept spare where a loop of normal() draws does', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 301 }), (seed, before, length) => {
      const [bulk, looped] = [new Rng(seed), new Rng(seed)];
      // Draws before (an odd count leaves a spare normal kept).
      for (let k = 0; k < before; k++) assert.equal(bulk.normal(), looped.normal());
      const out = new Float64Array(length);
      bulk.fillNormal(out);
      assert.deepEqual(out, Float64Array.from({ length }, () => looped.normal()));
      for (let k = 0; k < 3; k++) assert.equal(bulk.normal(), looped.normal());
      for (let k = 0; k < 3; k++) assert.equal(bulk.nextUint32(), looped.nextUint32());
    }),
    { numRuns: 120, seed: 13 },
  );
});

test('shuffle makes the swaps of a Fisher–Yates loop of int() draws and leaves the stream where it does (typed arrays and arrays)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 400 }), (seed, length) => {
      for (const make of [(n: number) => Int32Array.from({ length: n }, (_, i) => i), (n: number) => Array.from({ length: n }, (_, i) => `row ${i}`)]) {
        const [bulk, looped] = [new Rng(seed), new Rng(seed)];
        const out = bulk.shuffle(make(length));
        const want = make(length);
        for (let i = want.length - 1; i > 0; i--) {
          const j = looped.int(i + 1);
          [want[i], want[j]] = [want[j], want[i]];
        }
        assert.deepEqual(out, want);
        for (let k = 0; k < 5; k++) assert.equal(bulk.nextUint32(), looped.nextUint32());
      }
    }),
    { numRuns: 80, seed: 12 },
  );
});

test('choose takes k distinct entries of its array, each equally often, and leaves the array alone', () => {
  const from = Int32Array.from({ length: 20 }, (_, i) => 100 + i);
  const rng = new Rng(8);
  const counts = new Array(20).fill(0);
  const draws = 20_000;
  for (let d = 0; d < draws; d++) {
    const chosen = rng.choose(from, 5);
    assert.equal(chosen.length, 5);
    assert.equal(new Set(chosen).size, 5, 'distinct entries');
    for (const value of chosen) counts[value - 100]++;
  }
  assert.deepEqual(from, Int32Array.from({ length: 20 }, (_, i) => 100 + i), 'the array is not shuffled');
  // Each entry is in a draw with probability 5/20: 5,000 of 20,000, standard deviation ~61.
  for (const count of counts) assert.ok(Math.abs(count - 5000) < 300, `${counts}`);
  // Every position of the draw is uniform too (the order is random): entry 0 first in ~1/20 of draws.
  const first = new Array(20).fill(0);
  for (let d = 0; d < draws; d++) first[rng.choose(from, 3)[0] - 100]++;
  for (const count of first) assert.ok(Math.abs(count - 1000) < 150, `${first}`);
  assert.deepEqual(new Rng(4).choose(from, 7), new Rng(4).choose(from, 7), 'the same seed, the same draw');
  assert.deepEqual(Array.from(new Rng(4).choose(from, 20)).sort((a, b) => a - b), Array.from(from), 'all of them: a permutation');
  assert.equal(new Rng(4).choose(from, 0).length, 0);
  assert.throws(() => new Rng(4).choose(from, 21), (error: unknown) => hasCode(error, 'validation') && /21 entries cannot be chosen from 20/.test((error as Error).message));
});

test('choose makes the first k swaps of a Fisher–Yates loop of int() draws, whether it copies the array or swaps on a map (few from many)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, n, fraction) => {
      const from = Int32Array.from({ length: n }, (_, i) => 7 * i - 50);
      const k = Math.floor(fraction * fraction * n); // many draws of a few from many (k ≤ n / 16), and of many
      const [bulk, looped] = [new Rng(seed), new Rng(seed)];
      const want = from.slice();
      for (let i = 0; i < k; i++) {
        const j = i + looped.int(n - i);
        [want[i], want[j]] = [want[j], want[i]];
      }
      assert.deepEqual(bulk.choose(from, k), want.slice(0, k));
      assert.equal(bulk.nextUint32(), looped.nextUint32());
    }),
    { numRuns: 200, seed: 21 },
  );
});

test('chooseInto writes choose\'s draw at an offset of a given array (few from many and on a copy alike), leaves the rest alone, and leaves the stream where choose does', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 9 }), (seed, n, fraction, at) => {
      const from = Int32Array.from({ length: n }, (_, i) => 3 * i + 1);
      const k = Math.floor(fraction * fraction * n);
      const [into, alone] = [new Rng(seed), new Rng(seed)];
      const target = new Int32Array(at + k + 3).fill(-7);
      assert.equal(into.chooseInto(from, k, target, at), target);
      assert.deepEqual(target.subarray(at, at + k), alone.choose(from, k));
      assert.ok(target.subarray(0, at).every((value) => value === -7) && target.subarray(at + k).every((value) => value === -7), 'the rest untouched');
      assert.equal(into.nextUint32(), alone.nextUint32());
    }),
    { numRuns: 150, seed: 33 },
  );
  assert.throws(() => new Rng(1).chooseInto(Int32Array.of(1, 2, 3), 2, new Int32Array(3), 2), (error: unknown) => hasCode(error, 'validation') && /do not fit in 3/.test((error as Error).message));
});

test('choose on a copy past the kept buffers (over 64K entries, over 64K draws) makes the same swaps as the loop of int() draws', () => {
  for (const [n, k] of [[70_000, 10_000], [140_000, 70_000]]) {
    const from = Int32Array.from({ length: n }, (_, i) => n - i);
    const [bulk, looped] = [new Rng(n), new Rng(n)];
    const want = from.slice();
    for (let i = 0; i < k; i++) {
      const j = i + looped.int(n - i);
      [want[i], want[j]] = [want[j], want[i]];
    }
    assert.deepEqual(bulk.choose(from, k), want.slice(0, k), `${k} of ${n}`);
    assert.equal(bulk.nextUint32(), looped.nextUint32());
  }
});
