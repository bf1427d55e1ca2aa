/**
 * A dense layer's forward pass over many rows in WebAssembly: each chunk of rows is written as
 * compressed rows (its non-zero inputs, as the scalar loop skips zeros) and run through the
 * sparse-layer kernel, whose f64x2 sums keep the scalar loop's order — the same bits as
 * `applyLayer`'s JavaScript loop (tested), several times faster on wide layers (a network's
 * answers to 10,000 candidates in membership inference, a prediction of many rows).
 */

import { byteLayout, ensureBytes } from './memory.ts';
import { instantiateSparseLayer, type Exports } from './sparse-layer.ts';

/**
 * Inputs written per chunk at most (512 KiB of values and 256 KiB of offsets). A process's first
 * call touches the chunk's pages fresh, ~12 µs a page here: at 2^20 entries a 1,000-row MNIST
 * forward pass of a 784-128-10 MLP took 43 ms first and 11 ms after; at 2^16, 22–29 ms first and
 * the same after (bench/inference.bench.ts).
 */
const CHUNK_ENTRIES = 1 << 16;

let kernel: Exports | undefined;

/**
 * out[i·outputs + j] = biases[j] + Σ_k x[i·inputs + k] · weights[k·outputs + j] over the non-zero
 * x, for `rows` rows (pre-activations; `out` has rows × outputs).
 */
export function denseForward(weights: Float64Array, biases: Float64Array, inputs: number, outputs: number, x: Float64Array, rows: number, out: Float64Array): void {
  kernel ??= instantiateSparseLayer();
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_ENTRIES / Math.max(1, inputs))));
  const { take, end: used } = byteLayout();
  const theta = take(8 * (inputs + 1) * outputs);
  const starts = take(4 * (chunk + 1));
  const offsets = take(4 * chunk * inputs);
  const values = take(8 * chunk * inputs);
  const result = take(8 * chunk * outputs);
  ensureBytes(kernel.memory, used());
  const buffer = kernel.memory.buffer;
  const parameters = new Float64Array(buffer, theta, (inputs + 1) * outputs);
  parameters.set(weights);
  parameters.set(biases, inputs * outputs);
  const startView = new Uint32Array(buffer, starts, chunk + 1);
  const offsetView = new Int32Array(buffer, offsets, chunk * inputs);
  const valueView = new Float64Array(buffer, values, chunk * inputs);
  const resultView = new Float64Array(buffer, result, chunk * outputs);
  for (let first = 0; first < rows; first += chunk) {
    const count = Math.min(chunk, rows - first);
    compressRows(x, first, count, inputs, outputs, startView, offsetView, valueView);
    kernel.forward(count, outputs, starts, offsets, values, theta, 0, inputs * outputs, result);
    out.set(resultView.subarray(0, count * outputs), first * outputs);
  }
}

/** Rows first…first+count of x as compressed rows: each non-zero value and its weight row's offset (k · outputs). */
function compressRows(x: Float64Array, first: number, count: number, inputs: number, outputs: number, starts: Uint32Array, offsets: Int32Array, values: Float64Array): void {
  let e = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = e;
    const row = (first + i) * inputs;
    for (let k = 0; k < inputs; k++) {
      const value = x[row + k];
      if (value === 0) continue;
      offsets[e] = k * outputs;
      values[e++] = value;
    }
  }
  starts[count] = e;
}
