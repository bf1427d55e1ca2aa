/**
 * A dense layer fed by sparse rows (one-hot queries), forward and backward in WebAssembly with
 * f64x2: the first layer of the MLP extraction fit, where most of its multiply-adds are. The
 * results are the same bits as the scalar loops (`sparse-layer.wat` keeps their order of
 * operations), about twice as fast. Each kernel owns its memory, laid out once for its data.
 */

import type { SparseRows } from '../sparse-rows.ts';
import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './sparse-layer.wasm.ts';

compileSoon(WASM_BASE64);

/**
 * Deltas a block of the first layer's backward pass reads at most (256 KiB): its columns walk the
 * block's rows once per eight outputs, so the block's deltas must stay in the cache (the whole
 * 7,106 × 64 of an Adult fit, 3.6 MB, read so took 5.0 ms a pass against 1.8 row by row).
 */
const BACKWARD_BLOCK_VALUES = 1 << 15;

/** The module's exports. */
export interface Exports {
  memory: WebAssembly.Memory;
  /**
   * Dense rows (x, rows × inputs) as compressed rows for `panel_forward`: each row's non-zero values, their columns × 64 (the byte offset of a column's weights in an eight-column panel; inputs < 2^26), each row's start; 1 if a value was not finite, else 0.
   * `relu` 1: x are a ReLU layer's pre-activations, compressed as its activations (the values not ≤ 0 kept; the finite flag then covers none of them reliably).
   */
  compress(x: number, rows: number, inputs: number, starts: number, columns: number, values: number, relu: number): number;
  /** out = theta[b…] + Σ values · theta[w + offset / 8…] over each row's entries, `offsets` in bytes (column × width × 8); `relu` 1: each sum stored as max(0, sum), as Math.max. */
  forward(rows: number, width: number, starts: number, offsets: number, values: number, theta: number, w: number, b: number, out: number, relu: number): void;
  /** Weight rows first … first + count − 1 (count × width, row-major at byte src) into their places in the column panels at byte `panels` of an inputs × width layer: eight columns, then two, then one. */
  pack_panels(src: number, first: number, count: number, width: number, inputs: number, panels: number): void;
  /** out = biases + rows · weights, the weights as `pack_panels` wrote them, `columns` each entry's column × 64 (as `compress` writes them). */
  panel_forward(rows: number, width: number, inputs: number, starts: number, columns: number, values: number, panels: number, biases: number, out: number): void;
  /** gradient[c][·] += Σ values · delta[row][·] over each column's entries, the rows in blocks (`starts` cuts the entries block by block, column by column; each entry's row as the byte offset row × width × 8), rows in order: the scalar loop's bits (a row's products to every column it holds, rows in order). */
  /** gradient[k][j] += Σ_i x[i][k] · delta[i][j], rows in order: the scalar loop's bits. */
  dense_backward(rows: number, inputs: number, width: number, x: number, delta: number, gradient: number): void;
  backward_columns(segments: number, columns: number, width: number, starts: number, rows: number, values: number, delta: number, gradient: number): void;
  /** The deltas of a tanh (`relu` 0) or ReLU (`relu` 1) layer below a dense one, from its values `out`. */
  activation_deltas(rows: number, width: number, above: number, transposed: number, delta: number, out: number, below: number, relu: number): void;
  /** tanh in place over `count` doubles at byte `at` (16-aligned, padded to a whole pair). */
  tanh(at: number, count: number): void;
  /** Math.exp's value (V8's fdlibm-derived exp, bit for bit): for the tests. */
  exp(x: number): number;
  /** The softmax of `rows` rows of `width` doubles at byte `at`, in place: dense-network.ts's `softmaxRows`, bit for bit. */
  softmax_rows(at: number, rows: number, width: number): void;
}

/** A fresh instance of the kernels (one memory page; grow it to need). */
export function instantiateSparseLayer(): Exports {
  return instantiate<Exports>(WASM_BASE64);
}

/** The layer's kernel over fixed sparse rows; its arrays are views of the kernel's memory. */
export interface SparseLayerKernel {
  /** All the network's parameters (copy them in before `forward`). */
  theta: Float64Array;
  /** The gradient of the layer's weights, then of its biases ((inputs + 1) × width, as in theta; fill it before `backward`, read it after). */
  gradient: Float64Array;
  /** The layer's pre-activations, rows × width (`forward` writes them). */
  out: Float64Array;
  /** dL/d(pre-activation), rows × width (fill it before `backward`). */
  delta: Float64Array;
  /** out = bias + rows · weights, weights at theta[w…], biases at theta[b…]; with `relu`, out = max(0, that) in the same pass (`Math.max(0, ·)`'s bits). */
  forward(relu?: boolean): void;
  /** gradient += [rows 1]ᵀ · delta: the weights' and the biases' (each row's bias entry after its inputs; every gradient entry still adds its rows in order). */
  backward(): void;
  /** out = tanh(out), the same bits as `tanh` of math/tanh.ts. */
  tanhOut(): void;
  /** The layer above, fed by this one's `out` (after its activation), when asked for. */
  next?: DenseLayerKernel;
}

/**
 * A dense layer whose inputs are the layer below's values in the same memory, run by the same
 * kernels: each row's entries are all its inputs, in order (none skipped), so every sum is the
 * bias, then each input's product in input order — the same bits as the scalar loops.
 */
export interface DenseLayerKernel {
  /** Its outputs, rows × width (`forward` writes them). */
  out: Float64Array;
  /** dL/d(output), rows × width (fill it before `backward`). */
  delta: Float64Array;
  /** The gradient of its weights (inputs × width; fill it before `backward`, read it after). */
  weightGradient: Float64Array;
  /** out = bias + inputs · weights. */
  forward(): void;
  /** weightGradient += inputsᵀ · delta. */
  backward(): void;
  /**
   * The deltas of the layer below (its `delta`), a tanh or ReLU layer whose `out` holds its
   * values: (weights · this layer's delta) · (1 − out²) for tanh, · (out > 0 ? 1 : 0) for ReLU,
   * each sum from 0 in output order — the scalar loop's operations.
   */
  deltasBelow(activation: 'tanh' | 'relu'): void;
}

/**
 * A kernel for `sparse` (inputs columns) into `width` outputs, the layer's weights at theta[w…] and
 * biases at theta[b…] of `parameters`; with `next`, also the dense layer above it (`width` inputs
 * into `next.width` outputs, its weights at theta[next.w…], biases at theta[next.b…]).
 */
export function sparseLayerKernel(sparse: SparseRows, inputs: number, width: number, parameters: number, w: number, b: number, next?: { width: number; w: number; b: number }): SparseLayerKernel {
  const rows = sparse.start.length - 1;
  const entries = sparse.columns.length;
  const layout = byteLayout();
  const take = layout.take;
  const starts = take(4 * (rows + 1));
  const offsets = take(4 * entries);
  const values = take(8 * entries);
  // The backward pass's columns (compressed) in blocks of rows whose deltas stay in the cache
  // (`BACKWARD_BLOCK_VALUES`): in each block, each column's entries in row order, then the biases'
  // column (`inputs`: every row, value 1); each entry's row as the byte offset of its deltas.
  const blockRows = Math.max(1, Math.floor(BACKWARD_BLOCK_VALUES / width));
  const blocks = Math.max(1, Math.ceil(rows / blockRows));
  const segments = blocks * (inputs + 1);
  const backStarts = take(4 * (segments + 1));
  const backRows = take(4 * (entries + rows));
  const backValues = take(8 * (entries + rows));
  const theta = take(8 * parameters);
  const gradient = take(8 * (inputs + 1) * width);
  const out = take(8 * rows * width);
  const delta = take(8 * rows * width);
  // The layer above reads `out` as rows of `width` entries: starts i · width, offsets k · its width.
  const above = next && { starts: take(4 * (rows + 1)), offsets: take(4 * rows * width), out: take(8 * rows * next.width), delta: take(8 * rows * next.width), gradient: take(8 * width * next.width), transposed: take(8 * width * next.width) };
  const exports = instantiateSparseLayer();
  ensureBytes(exports.memory, layout.end());
  const buffer = exports.memory.buffer;
  new Uint32Array(buffer, starts, rows + 1).set(sparse.start);
  const entryOffsets = new Int32Array(buffer, offsets, entries);
  for (let e = 0; e < entries; e++) entryOffsets[e] = 8 * sparse.columns[e] * width;
  new Float64Array(buffer, values, entries).set(sparse.values);
  const backStartView = new Uint32Array(buffer, backStarts, segments + 1);
  const backRowView = new Int32Array(buffer, backRows, entries + rows);
  const backValueView = new Float64Array(buffer, backValues, entries + rows);
  // Each segment's count (segment block · (inputs + 1) + column), then the starts, then the entries
  // placed row by row (so each segment's rows ascend).
  const columnsWide = inputs + 1;
  for (let i = 0; i < rows; i++) {
    const block = Math.floor(i / blockRows) * columnsWide;
    for (let e = sparse.start[i]; e < sparse.start[i + 1]; e++) backStartView[block + sparse.columns[e] + 1]++;
    backStartView[block + inputs + 1]++;
  }
  for (let k = 1; k <= segments; k++) backStartView[k] += backStartView[k - 1];
  const placed = backStartView.slice(0, segments);
  for (let i = 0; i < rows; i++) {
    const block = Math.floor(i / blockRows) * columnsWide;
    for (let e = sparse.start[i]; e < sparse.start[i + 1]; e++) {
      const at = placed[block + sparse.columns[e]]++;
      backRowView[at] = 8 * i * width;
      backValueView[at] = sparse.values[e];
    }
    const at = placed[block + inputs]++;
    backRowView[at] = 8 * i * width;
    backValueView[at] = 1;
  }
  const thetaView = new Float64Array(buffer, theta, parameters);
  let nextKernel: DenseLayerKernel | undefined;
  if (next && above) {
    const aboveStarts = new Uint32Array(buffer, above.starts, rows + 1);
    for (let i = 0; i <= rows; i++) aboveStarts[i] = i * width;
    const aboveOffsets = new Int32Array(buffer, above.offsets, rows * width);
    const transposed = new Float64Array(buffer, above.transposed, width * next.width);
    for (let i = 0; i < rows; i++) for (let k = 0; k < width; k++) aboveOffsets[i * width + k] = 8 * k * next.width;
    nextKernel = {
      out: new Float64Array(buffer, above.out, rows * next.width),
      delta: new Float64Array(buffer, above.delta, rows * next.width),
      weightGradient: new Float64Array(buffer, above.gradient, width * next.width),
      forward: () => exports.forward(rows, next.width, above.starts, above.offsets, out, theta, next.w, next.b, above.out, 0),
      backward: () => exports.dense_backward(rows, width, next.width, out, above.delta, above.gradient),
      deltasBelow: (activation) => {
        for (let k = 0; k < width; k++) for (let j = 0; j < next.width; j++) transposed[j * width + k] = thetaView[next.w + k * next.width + j];
        exports.activation_deltas(rows, width, next.width, above.transposed, above.delta, out, delta, activation === 'relu' ? 1 : 0);
      },
    };
  }
  return {
    theta: thetaView,
    gradient: new Float64Array(buffer, gradient, (inputs + 1) * width),
    out: new Float64Array(buffer, out, rows * width),
    delta: new Float64Array(buffer, delta, rows * width),
    forward: (relu = false) => exports.forward(rows, width, starts, offsets, values, theta, w, b, out, relu ? 1 : 0),
    backward: () => exports.backward_columns(segments, columnsWide, width, backStarts, backRows, backValues, delta, gradient),
    tanhOut: () => exports.tanh(out, rows * width),
    next: nextKernel,
  };
}
