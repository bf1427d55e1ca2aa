/**
 * A stack of dense layers evaluated in float64 JavaScript. Networks train on tfjs (float32) and
 * then answer queries from this exact, synchronous forward pass, so an oracle over a network
 * is deterministic and the extraction and inversion attacks see the same function everywhere.
 */

import { HIDDEN_A, HIDDEN_B, reusedMatrix } from '../../math/reused-matrices.ts';
import { createMatrix, plainArray, type Matrix } from '../../math/matrix.ts';
import { isResident, networkForward, type KernelLayer } from '../../math/wasm/dense-forward.ts';

/** Activation of a layer. */
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'linear' | 'softmax';

/**
 * One dense layer: `weights` is inputs × outputs, row-major. A layer is not changed in place once
 * it has run through `forward` — its weights may be kept laid out in the kernel's memory
 * (dense-forward.ts), as the attacks keep a model's float32 copies (evasion/logits.ts): a new
 * weight makes a new layer (as `foldInputScaling` does).
 */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  biases: Float64Array;
  activation: Activation;
}

/** Serialisable form of a layer. */
export interface DenseLayerJson {
  inputs: number;
  outputs: number;
  weights: number[];
  biases: number[];
  activation: Activation;
}

/** Applies an activation in place to a row. */
export function activate(values: Float64Array, activation: Activation): void {
  switch (activation) {
    case 'linear':
      return;
    case 'tanh':
      for (let i = 0; i < values.length; i++) values[i] = Math.tanh(values[i]);
      return;
    case 'sigmoid':
      for (let i = 0; i < values.length; i++) {
        const z = values[i];
        values[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      }
      return;
    case 'relu':
      for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0;
      return;
    case 'softmax':
      softmaxRows(values, 1, values.length);
      return;
  }
}

/**
 * The softmax of each of `rows` rows of `width` values, in place: a row's largest value taken off,
 * exponentials, their sum, each divided by it. One loop over the rows, no view of each. The
 * WebAssembly kernel runs the same operations in its memory (sparse-layer.wat `softmax_rows`, with
 * Math.exp's bits): this loop is the reference it is tested against, and the softmax of a call that
 * stays in JavaScript.
 */
export function softmaxRows(values: Float64Array, rows: number, width: number): void {
  for (let start = 0; start < rows * width; start += width) {
    const end = start + width;
    let max = -Infinity;
    for (let i = start; i < end; i++) max = Math.max(max, values[i]);
    let total = 0;
    for (let i = start; i < end; i++) {
      values[i] = Math.exp(values[i] - max);
      total += values[i];
    }
    for (let i = start; i < end; i++) values[i] /= total;
  }
}

/** The most parameters the kernel keeps (in column panels, 64 MiB): of one layer, or of a network run in it whole. */
const KERNEL_PARAMETERS = 1 << 23;

/** From this many rows a call goes to the kernel whatever its inputs (below it, `kernelPays`). */
const MANY_ROWS = 32;

/** The multiply-adds of a call from which the kernel may run it. */
export const KERNEL_MULTIPLY_ADDS = 1 << 16;

/**
 * The multiply-adds of a call of a network that ran before (its panels laid out: nothing to lay out
 * again) from which the kernel runs it. Below `KERNEL_MULTIPLY_ADDS` the loop ran every call before
 * 2026-12-06: one row through a CNN 8-16's dense head (784-64-10, 50,816 multiply-adds) 92–97 µs of
 * the call's total, against 45–48 with the head in the kernel — HopSkipJump's binary searches ask
 * one row at a time; four rows of an Adult MLP 108-64-2 (28,000) 17.5–19.1 µs against 4.5–5.4.
 * Under ~4,000 (one row of an Adult 108-20-2: 2,200) the two take the same ~3–4 µs.
 */
const RESIDENT_MULTIPLY_ADDS = 1 << 12;

/** Enough multiply-adds for the kernel, and weights small enough to keep a copy of, in column panels (64 MiB). */
function kernelFits(layer: DenseLayer, rows: number): boolean {
  return rows * layer.inputs * layer.outputs >= KERNEL_MULTIPLY_ADDS && (layer.inputs + 1) * layer.outputs <= KERNEL_PARAMETERS;
}

/**
 * Whether the kernel pays for laying out every weight anew: many rows, or a few whose non-zero
 * inputs number at least 0.4 of the layer's width. The loop skips zero inputs and takes ~2 ns a
 * multiply-add here; the kernel lays out a weight in ~0.9 ns, then takes ~0.15 ns a multiply-add.
 * The MNIST MLP 784-128-10: one dense row 92 µs against the loop's 205; one digit (a quarter of
 * its pixels lit) 83–86 against 99–102; twenty FGSM-like rows 0.33–0.51 ms against 3.9–4.0 (the
 * Boundary attack's 20-row requests); one 784-512 row with a fifth of its inputs lit 360 µs
 * against the loop's 143 — where the count stays under the bar. (Before 2026-12-05 every call of
 * fewer than 32 rows stayed in the loop.)
 */
function kernelPays(layer: DenseLayer, input: Matrix): boolean {
  if (input.rows >= MANY_ROWS) return true;
  const wanted = Math.ceil(0.4 * layer.inputs);
  const count = input.rows * input.cols;
  let nonZero = 0;
  for (let k = 0; k < count && nonZero < wanted; k++) if (input.data[k] !== 0) nonZero++;
  return nonZero >= wanted;
}

/** Networks (by their first layer object) that `forward` has run before in this thread. */
const runBefore = new WeakSet<DenseLayer>();

/**
 * Whether `layers` ran through `forward` before: from its second call a network goes to the
 * kernel whatever its rows (from `RESIDENT_MULTIPLY_ADDS` a call), its panels laid out once and kept (dense-forward.ts) — the calls of
 * one row of an attack that asks thousands, a prediction API's. One dense row of an MNIST MLP
 * 784-128-10 then took 34 µs, against 201 in the loop and 60 laid out anew; a row a quarter lit
 * 19 µs, against 64 and 54.
 */
function seenBefore(layers: readonly DenseLayer[]): boolean {
  if (runBefore.has(layers[0]) || isResident(layers)) return true;
  runBefore.add(layers[0]);
  return false;
}

/** When the WebAssembly kernel runs a layer call on `input` (the same bits as the loop either way). */
function wasmWorthIt(layer: DenseLayer, input: Matrix): boolean {
  return kernelFits(layer, input.rows) && kernelPays(layer, input);
}

/** The layer as the WebAssembly kernel takes it: a softmax applied in the kernel's memory (`softmax`), the other activations by `activate` on all values at once. */
function kernelLayer(layer: DenseLayer): KernelLayer {
  const { weights, biases, inputs, outputs, activation } = layer;
  return {
    weights,
    biases,
    inputs,
    outputs,
    relu: activation === 'relu',
    softmax: activation === 'softmax',
    activate: (values, rows) => (activation === 'softmax' ? softmaxRows(values, rows, outputs) : activate(values, activation)),
  };
}

/**
 * Runs rows through one layer. Large calls go to the WebAssembly kernel (`math/wasm/dense-forward`),
 * which gives the same bits as the loop below (tested); `kernel: 'js'` forces the loop. The result
 * goes to `into` where given (input.rows × layer.outputs; every value written).
 */
export function applyLayer(layer: DenseLayer, input: Matrix, kernel: 'auto' | 'js' = 'auto', into?: Matrix): Matrix {
  const out = into ?? createMatrix(input.rows, layer.outputs);
  if (kernel === 'auto' && wasmWorthIt(layer, input)) {
    networkForward([kernelLayer(layer)], input.data, input.rows, out.data);
    return out;
  }
  for (let i = 0; i < input.rows; i++) {
    const row = out.data.subarray(i * layer.outputs, (i + 1) * layer.outputs);
    row.set(layer.biases);
    for (let k = 0; k < layer.inputs; k++) {
      const value = input.data[i * layer.inputs + k];
      if (value === 0) continue;
      const w = k * layer.outputs;
      for (let j = 0; j < layer.outputs; j++) row[j] += value * layer.weights[w + j];
    }
    activate(row, layer.activation);
  }
  return out;
}

/**
 * Runs rows through all layers; `upTo` stops after that many layers (hidden representations).
 * When the kernel would run every layer (and all their weights fit its 64 MiB), they run in it
 * together, a chunk of rows at a time; else layer by layer, the layers before the last writing to
 * this thread's reused matrices (reused-matrices.ts). The result is a matrix of its own.
 * `checkFinite` — a check that throws on values that are not finite, and refuses nothing else —
 * runs first; in the kernel, which reads every value anyway, only once it has met such a value (a
 * 1,000-row MNIST call's separate scan took 0.4 of its 5 ms).
 */
export function forward(layers: readonly DenseLayer[], input: Matrix, upTo = layers.length, checkFinite?: (input: Matrix) => void): Matrix {
  const used = layers.slice(0, upTo);
  const parameters = used.reduce((sum, layer) => sum + (layer.inputs + 1) * layer.outputs, 0);
  const multiplyAdds = input.rows * used.reduce((sum, layer) => sum + layer.inputs * layer.outputs, 0);
  const before = used.length > 0 && seenBefore(used);
  if (used.length > 0 && parameters <= KERNEL_PARAMETERS && (before ? multiplyAdds >= RESIDENT_MULTIPLY_ADDS : multiplyAdds >= KERNEL_MULTIPLY_ADDS && kernelPays(used[0], input))) {
    // Every layer in the kernel, chunk by chunk: no hidden layer written out (dense-forward.ts);
    // its panels kept for the network's next calls, named by its layer objects.
    const out = createMatrix(input.rows, used[used.length - 1].outputs);
    if (!networkForward(used.map(kernelLayer), input.data, input.rows, out.data, used)) checkFinite?.(input);
    return out;
  }
  checkFinite?.(input);
  let current = input;
  for (let l = 0; l < upTo; l++) current = applyLayer(layers[l], current, 'auto', l < upTo - 1 ? reusedMatrix(l % 2 === 0 ? HIDDEN_A : HIDDEN_B, input.rows, layers[l].outputs) : undefined);
  return current;
}

/** Layer to JSON. */
export function layerToJson(layer: DenseLayer): DenseLayerJson {
  return { inputs: layer.inputs, outputs: layer.outputs, weights: plainArray(layer.weights), biases: plainArray(layer.biases), activation: layer.activation };
}

/** Layer from (validated) JSON. */
export function layerFromJson(json: DenseLayerJson): DenseLayer {
  return { inputs: json.inputs, outputs: json.outputs, weights: Float64Array.from(json.weights), biases: Float64Array.from(json.biases), activation: json.activation };
}
