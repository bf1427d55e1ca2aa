/**
 * Dense layers' forward pass over many rows in WebAssembly: each layer's weights are copied into
 * the sparse-layer kernel's memory a block of rows at a time (through the chunk's buffer, no
 * second copy of them kept) and laid out there as column panels (`pack_panels`); then each chunk
 * of rows goes through every layer in turn inside that memory — copied in, written as compressed
 * rows (its non-zero values, as the scalar loop skips zeros; the kernel's `compress`, where a
 * JavaScript loop took 1.8 of a 1,000-row MNIST call's 8 ms), run through `panel_forward`, whose
 * f64x2 sums keep the scalar loop's order, and activated where it lies — so a hidden layer's
 * values exist for one chunk at a time, not as a rows × width matrix written out and copied back
 * in. The same bits as `applyLayer`'s JavaScript loop (tested), several times faster on wide
 * layers (a network's answers to 10,000 candidates in membership inference, a prediction of many
 * rows).
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
let calls = 0;

/** How many calls this thread's kernel has run (tests see which calls went to it). */
export function networkForwardCalls(): number {
  return calls;
}

/** A layer as the kernel runs it: out = activate(biases + x · weights), weights inputs × outputs row-major. */
export interface KernelLayer {
  weights: Float64Array;
  biases: Float64Array;
  inputs: number;
  outputs: number;
  /** The activation, in place on `rows` rows of pre-activations (rows × outputs values). */
  activate(values: Float64Array, rows: number): void;
  /**
   * The activation is ReLU (v < 0 ? 0 : v, which `activate` applies): below another layer it is
   * applied as the next layer's inputs are compressed (`compress`'s ReLU mode), not in a pass of its own.
   */
  relu?: boolean;
}

/**
 * Runs `rows` rows of x (rows × layers[0].inputs) through `layers` in turn, the last one's outputs
 * written to `out` (rows × its outputs); each layer's inputs must be the one before's outputs.
 * Returns whether every value of x was finite (`compress` reads each one anyway): a caller that
 * refuses other values need not scan them first.
 */
export function networkForward(layers: readonly KernelLayer[], x: Float64Array, rows: number, out: Float64Array): boolean {
  kernel ??= instantiateSparseLayer();
  calls++;
  const widest = Math.max(...layers.map((layer) => layer.inputs));
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK_ENTRIES / Math.max(1, widest))));
  const { take, end: used } = byteLayout();
  const placed = layers.map((layer) => ({ layer, panels: take(8 * layer.inputs * layer.outputs), bias: take(8 * layer.outputs), at: 0 }));
  // The chunk's rows, and before them each layer's weights a block of rows at a time on their way to the panels.
  const staged = Math.max(chunk * layers[0].inputs, ...layers.map((layer) => layer.outputs));
  const dense = take(8 * staged);
  const starts = take(4 * (chunk + 1));
  const columns = take(4 * chunk * widest);
  const values = take(8 * chunk * widest);
  for (const place of placed) place.at = take(8 * chunk * place.layer.outputs);
  ensureBytes(kernel.memory, used());
  const buffer = kernel.memory.buffer;
  const stage = new Float64Array(buffer, dense, staged);
  for (const { layer, panels, bias } of placed) {
    new Float64Array(buffer, bias, layer.outputs).set(layer.biases);
    const block = Math.floor(staged / layer.outputs);
    for (let first = 0; first < layer.inputs; first += block) {
      const count = Math.min(block, layer.inputs - first);
      stage.set(layer.weights.subarray(first * layer.outputs, (first + count) * layer.outputs));
      kernel.pack_panels(dense, first, count, layer.outputs, layer.inputs, panels);
    }
  }
  const inputView = stage.subarray(0, chunk * layers[0].inputs);
  const views = placed.map((place) => new Float64Array(buffer, place.at, chunk * place.layer.outputs));
  const last = placed[placed.length - 1].layer.outputs;
  let finite = true;
  for (let first = 0; first < rows; first += chunk) {
    const count = Math.min(chunk, rows - first);
    inputView.set(x.subarray(first * layers[0].inputs, (first + count) * layers[0].inputs));
    let from = dense;
    placed.forEach(({ layer, panels, bias, at }, l) => {
      // Below a ReLU layer, its activation is applied as its values are compressed.
      const relu = l > 0 && placed[l - 1].layer.relu === true;
      const nonFinite = kernel!.compress(from, count, layer.inputs, starts, columns, values, relu ? 1 : 0);
      if (l === 0 && nonFinite) finite = false;
      kernel!.panel_forward(count, layer.outputs, layer.inputs, starts, columns, values, panels, bias, at);
      if (!layer.relu || l === placed.length - 1) layer.activate(views[l].subarray(0, count * layer.outputs), count);
      from = at;
    });
    out.set(views[views.length - 1].subarray(0, count * last), first * last);
  }
  return finite;
}
