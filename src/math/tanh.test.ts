import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random.ts';
import { tanh, tanhInPlace } from './tanh.ts';
import { byteLayout, ensureBytes } from './wasm/memory.ts';
import { instantiateSparseLayer } from './wasm/sparse-layer.ts';

/** Distance in units in the last place between two finite doubles of one sign. */
function ulps(a: number, b: number): number {
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = bits[0] - bits[1];
  return Number(d < 0n ? -d : d);
}

function sampleValues(count: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const spans = [1e-8, 0.3, 0.6, 2, 8, 25];
  return Float64Array.from({ length: count }, (_, i) => (2 * rng.uniform() - 1) * spans[i % spans.length]);
}

const SPECIAL = [0, -0, 5e-324, -5e-324, 1e-300, 0.3, -0.3, 0.29999999999999993, 0.30000000000000004, 0.5, 0.55, 1, 18.7, 19.06, 20, 20.000000000000004, 22, 710, 1e308, Infinity, -Infinity, NaN];

test('tanh is within 4 units in the last place of Math.tanh, with its sign, zeros, infinities and NaN', () => {
  const values = sampleValues(120_000, 7);
  const counts = [0, 0, 0, 0, 0];
  for (const x of values) {
    const d = ulps(tanh(x), Math.tanh(x));
    assert.ok(d <= 4, `tanh(${x}) = ${tanh(x)}, Math.tanh ${Math.tanh(x)}: ${d} ulps`);
    counts[d]++;
  }
  assert.ok(counts[0] + counts[1] >= 0.9 * values.length, `ulps 0…4: ${counts.join(', ')}`);
  for (const x of SPECIAL) {
    if (Number.isNaN(x)) assert.ok(Number.isNaN(tanh(x)));
    else assert.ok(Object.is(tanh(x), Math.tanh(x)) || ulps(tanh(x), Math.tanh(x)) <= 4, `tanh(${x}) = ${tanh(x)}, Math.tanh ${Math.tanh(x)}`);
  }
  assert.ok(Object.is(tanh(-0), -0) && Object.is(tanh(0), 0));
  assert.equal(tanh(Infinity), 1);
  assert.equal(tanh(-Infinity), -1);
});

test('the WebAssembly tanh gives the bits of the JavaScript one (odd counts: the pad lane is not read)', () => {
  const kernel = instantiateSparseLayer();
  for (const count of [1, 2, 7, 4001]) {
    const values = Float64Array.from([...SPECIAL, ...sampleValues(count, count)].slice(0, Math.max(count, SPECIAL.length)));
    const layout = byteLayout();
    const at = layout.take(8 * values.length);
    const guard = layout.take(16);
    ensureBytes(kernel.memory, layout.end());
    const memory = new Float64Array(kernel.memory.buffer, at, values.length);
    memory.set(values);
    new Float64Array(kernel.memory.buffer, guard, 2).fill(42);
    kernel.tanh(at, values.length);
    const expected = Float64Array.from(values);
    tanhInPlace(expected);
    for (let i = 0; i < values.length; i++) {
      assert.ok(Object.is(memory[i], expected[i]) || (Number.isNaN(memory[i]) && Number.isNaN(expected[i])), `count ${values.length}, tanh(${values[i]}): wasm ${memory[i]}, js ${expected[i]}`);
    }
    assert.deepEqual(Array.from(new Float64Array(kernel.memory.buffer, guard, 2)), [42, 42], 'nothing written past the block');
  }
});
