import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.ts';
import { createMatrix, selectRows } from '../matrix.ts';
import { ColumnScaler } from '../../data/encoders/scaling.ts';
import { toFloat32Rows } from './float32-kernel.ts';

const bits = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);

/** Values of every kind a float32 rounding meets: ties either way, subnormals, overflow, signed zeros, wide magnitudes. */
function awkward(count: number, rng: Rng): Float64Array {
  const specials = [0, -0, 1 + 2 ** -24, 1 + 3 * 2 ** -24, 2 ** -140, -(2 ** -149) * 0.75, 3.5e38, -1e39, Math.PI, 2 ** -150, -(2 ** -150) * 1.5];
  return Float64Array.from({ length: count }, (_, k) => (k < specials.length ? specials[k] : (rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 16 - 8)));
}

test('float64 rows to float32 in WebAssembly: the bits of Float32Array.set, whole or rows picked, across blocks and odd widths', () => {
  const rng = new Rng(4);
  for (const [rows, cols] of [[1, 1], [3, 3], [5, 7], [40, 1023], [2, 20000]]) {
    const source = awkward(rows * cols, rng);
    const out = new Float32Array(rows * cols);
    toFloat32Rows(source, cols, out);
    assert.deepEqual(bits(out), bits(Float32Array.from(source)), `${rows} × ${cols}`);
    const only = Uint32Array.from({ length: rows + 2 }, () => Math.floor(rng.uniform() * rows));
    const picked = new Float32Array(only.length * cols);
    toFloat32Rows(source, cols, picked, undefined, only);
    const expected = new Float32Array(only.length * cols);
    only.forEach((row, k) => expected.set(source.subarray(row * cols, (row + 1) * cols), k * cols));
    assert.deepEqual(bits(picked), bits(expected), `${rows} × ${cols}, rows picked`);
  }
});

test("a column scaling then float32 in WebAssembly: the bits of ColumnScaler.transformInto into a Float32Array", () => {
  const rng = new Rng(5);
  for (const [rows, cols] of [[1, 1], [4, 5], [33, 784], [3, 17001]]) {
    const source = awkward(rows * cols, rng);
    const scaler = new ColumnScaler('standard', Float64Array.from({ length: cols }, () => rng.uniform() * 3 - 1), Float64Array.from({ length: cols }, () => rng.uniform() * 7 + 0.01), 0.25);
    const expected = new Float32Array(rows * cols);
    scaler.transformInto(createMatrix(rows, cols, source), expected);
    const out = new Float32Array(rows * cols);
    toFloat32Rows(source, cols, out, scaler);
    assert.deepEqual(bits(out), bits(expected), `${rows} × ${cols}`);
    const only = Uint32Array.of(rows - 1, 0, rows - 1);
    const picked = new Float32Array(3 * cols);
    toFloat32Rows(source, cols, picked, scaler, only);
    const pickedExpected = new Float32Array(3 * cols);
    scaler.transformInto(selectRows(createMatrix(rows, cols, source), only), pickedExpected);
    assert.deepEqual(bits(picked), bits(pickedExpected), `${rows} × ${cols}, rows picked`);
  }
  assert.throws(() => toFloat32Rows(new Float64Array(6), 3, new Float32Array(5)), /room for 5/);
});
