/**
 * A dense layer's forward pass over many rows in WebAssembly: the weights are copied into the
 * sparse-layer kernel's memory a block of rows at a time (through the chunk's buffer, no second
 * copy of them kept) and laid out there as column panels (`pack_panels`), then each
 * chunk of rows is copied in, written as compressed rows (its non-zero inputs, as the scalar loop
 * skips zeros; the kernel's `compress`, where a JavaScript loop took 1.8 of a 1,000-row MNIST
 * call's 8 ms) and run through `panel_forward`, whose f64x2 sums keep the scalar loop's order —
 * the same bits as `applyLayer`'s JavaScript loop (tested), several times faster on wide layers (a
 * network's answers to 10,000 candidates in membership inference, a prediction of many rows).
 */

import { byteLayout, ensureBytes } from './memory.ts';
import { instantiateSparseLayer, type Exports } from './sparse-layer.ts';

/**
 * Inputs written per chunk at most (128 KiB of rows, as many of values, 64 KiB of offsets). A
 * process's first call touches the chunk's pages fresh, ~12 µs a page here: at 2^20 entries a
 * 1,000-row MNIST forward pass of a 784-128-10 MLP took 43 ms first; at 2^16, 22–29 ms; at 2^14,
 * 19–26 ms, the calls after it no slower (bench/inference.bench.ts).
 */
const CHUNK_ENTRIES = 1 << 14;

let kernel: Exports | undefined;

/**
 * out[i·outputs + j] = biases[j] + Σ_k x[i·inputs + k] · weights[k·outputs + j] over the non-zero
 * x, for `rows` rows (pre-activations; `out` has rows × outputs).
 */
export function denseForward(weights: Float64Array, biases: Float64Array, inputs: number, outputs: number, x: Float64Array, rows: number, out: Float64Array): void {
  kernel ??= instantiateSparseLayer();
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_ENTRIES / Math.max(1, inputs))));
  const { take, end: used } = byteLayout();
  const panels = take(8 * inputs * outputs);
  const bias = take(8 * outputs);
  // The chunk's rows, and before them the weights' rows a block at a time on their way to the panels.
  const staged = Math.max(chunk * inputs, outputs);
  const dense = take(8 * staged);
  const starts = take(4 * (chunk + 1));
  const columns = take(4 * chunk * inputs);
  const values = take(8 * chunk * inputs);
  const result = take(8 * chunk * outputs);
  ensureBytes(kernel.memory, used());
  const buffer = kernel.memory.buffer;
  new Float64Array(buffer, bias, outputs).set(biases);
  const stage = new Float64Array(buffer, dense, staged);
  const block = Math.floor(staged / outputs);
  for (let first = 0; first < inputs; first += block) {
    const count = Math.min(block, inputs - first);
    stage.set(weights.subarray(first * outputs, (first + count) * outputs));
    kernel.pack_panels(dense, first, count, outputs, inputs, panels);
  }
  const denseView = stage.subarray(0, chunk * inputs);
  const resultView = new Float64Array(buffer, result, chunk * outputs);
  for (let first = 0; first < rows; first += chunk) {
    const count = Math.min(chunk, rows - first);
    denseView.set(x.subarray(first * inputs, (first + count) * inputs));
    kernel.compress(dense, count, inputs, 1, starts, columns, values);
    kernel.panel_forward(count, outputs, inputs, starts, columns, values, panels, bias, result);
    out.set(resultView.subarray(0, count * outputs), first * outputs);
  }
}
