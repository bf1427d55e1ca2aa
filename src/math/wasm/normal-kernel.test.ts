import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../random.ts';
import { fillNormalFromState, kernelLog } from './normal-kernel.ts';

const show = (x: number) => (Object.is(x, -0) ? '-0' : String(x));

test("the normal kernel's logarithm is Math.log's value for every input tried: the polar method's s = u² + v², values near 1 (the short path), subnormals, zeros, negatives, ±Infinity, NaN, and any double", () => {
  const rng = new Rng(3);
  const inputs: number[] = [0, -0, 1, -1, 2, 0.5, Math.E, 5e-324, 2.2250738585072014e-308, 1e-310, Number.MAX_VALUE, Infinity, -Infinity, NaN, 1 - 2 ** -53, 1 + 2 ** -52, 0.9999999, 1.0000001];
  for (let k = 0; k < 200_000; k++) {
    const [u, v] = [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1];
    inputs.push(u * u + v * v, 1 + (rng.uniform() - 0.5) * 2 ** -18, Math.exp((rng.uniform() - 0.5) * 1400));
  }
  // Around fdlibm's thresholds in the mantissa's high bits (0x6a09c: the reduction to [√2/2, √2); 0x6147a, 0x6b851: the formula's choice).
  const words = new DataView(new ArrayBuffer(8));
  for (const high of [0x6a09b, 0x6a09c, 0x6a09d, 0x61479, 0x6147a, 0x6147b, 0x6b850, 0x6b851, 0x6b852, 0xfffff, 0, 1, 2]) {
    for (const exponent of [1, 1000, 1021, 1022, 1023, 1024, 2046]) {
      for (let k = 0; k < 50; k++) {
        words.setUint32(0, (exponent << 20) | high);
        words.setUint32(4, k < 3 ? [0, 1, 0xffffffff][k] : rng.nextUint32());
        inputs.push(words.getFloat64(0));
      }
    }
  }
  for (const x of inputs) if (!Object.is(kernelLog(x), Math.log(x))) assert.fail(`log(${show(x)}): the kernel gives ${show(kernelLog(x))}, Math.log ${show(Math.log(x))}`);
  fc.assert(
    fc.property(fc.double(), (x) => Object.is(kernelLog(x), Math.log(x))),
    { numRuns: 20_000, seed: 5 },
  );
});

test("the normal kernel draws a loop of normal()'s values and leaves its stream and spare: counts odd and even, across the kernel's blocks of 65,536, after a kept spare", () => {
  for (const [seed, before, length] of [[1, 0, 64], [2, 1, 65], [3, 0, 65_535], [4, 1, 65_536], [5, 0, 65_537], [6, 3, 131_073], [7, 0, 200_000]]) {
    const [bulk, looped] = [new Rng(seed), new Rng(seed)];
    for (let k = 0; k < before; k++) assert.equal(bulk.normal(), looped.normal());
    const out = new Float64Array(length);
    bulk.fillNormal(out);
    for (let i = 0; i < length; i++) {
      const want = looped.normal();
      if (!Object.is(out[i], want)) assert.fail(`seed ${seed}, ${length} normals after ${before}: value ${i} is ${show(out[i])}, normal() gives ${show(want)}`);
    }
    for (let k = 0; k < 3; k++) assert.equal(bulk.normal(), looped.normal(), `seed ${seed}: the draws after`);
    assert.deepEqual(bulk.state(), looped.state(), `seed ${seed}: the stream after`);
  }
});

test('the kernel fills from an offset and updates the state words it is given, leaving the values before the offset alone', () => {
  const rng = new Rng(9);
  const state = rng.state();
  const out = new Float64Array(101).fill(7);
  const spare = fillNormalFromState(out, 2, state);
  assert.deepEqual([out[0], out[1]], [7, 7]);
  const looped = new Rng(9);
  for (let i = 2; i < 101; i++) assert.equal(out[i], looped.normal());
  assert.equal(spare, looped.normal(), 'an odd count: the last pair second value is the spare');
  rng.setState(state);
  assert.deepEqual(rng.state(), looped.state());
});
