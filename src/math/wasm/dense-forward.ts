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
 *
 * A network named by a key (its layer objects, which a model keeps and never changes: dense-network.ts)
 * keeps its panels in the memory's first bytes for the calls after (a few networks, `RESIDENT_*`):
 * a call then lays out nothing. A decision-based attack asks one row at a time ~2,800 times in 40
 * HopSkipJump rows of a Fashion-MNIST MLP 784-128-10, and laying out its 100,000 weights took 26
 * of each such call's 60 µs.
 */

import { byteLayout, ensureBytes, warmUpSoon } from './memory.ts';
import { instantiateSparseLayer, type Exports } from './sparse-layer.ts';
import { WASM_BASE64 } from './sparse-layer.wasm.ts';

/**
 * Inputs written per chunk at most (128 KiB of rows, as many of values, 64 KiB of offsets). A
 * process's first call touches the chunk's pages fresh, ~12 µs a page here: at 2^20 entries a
 * 1,000-row MNIST forward pass of a 784-128-10 MLP took 43 ms first; at 2^16, 22–29 ms; at 2^14,
 * 19–26 ms, the calls after it no slower (bench/inference.bench.ts).
 */
const CHUNK_ENTRIES = 1 << 14;

/**
 * Rows a chunk holds at least, however wide: each panel is read from memory once a chunk and from
 * the cache for its other rows. At one row a chunk (AT&T faces' 10,304 pixels) every row read all
 * of a 10,304 × 256 layer's 21 MB of panels from memory: 3.5 G multiply-adds a second, against 7.3
 * on MNIST's rows; 100 such rows through 10,304-256-40 took 83.5 ms, 64.2 at sixteen a chunk.
 */
const CHUNK_ROWS = 16;

/** Networks whose panels stay in the kernel's memory at most, and their parameters in all (64 MiB). */
const RESIDENT_NETWORKS = 4;
const RESIDENT_PARAMETERS = 1 << 23;

let kernel: Exports | undefined;
let calls = 0;

/**
 * The calls a network's forward pass makes (`networkForward`: `compress`, `pack_panels`,
 * `panel_forward`, `softmax_rows`), small and many times over — enough for V8 to compile each with
 * TurboFan (memory.ts, `warmUpSoon`; `pack_panels` needs some 60 calls of 2,048 weights, the
 * others 16 of 32 rows) — on 32 rows of 64 inputs (a quarter of them zeros) through 16 outputs, in
 * `exports`' memory. 1.2–3.4 ms on the main thread (its first calls' baseline compiles among them,
 * which a first call pays otherwise); a process's first 1,000-row MNIST call (inference.bench.ts,
 * after the model's training) 9.5–13.3 → 7.7–8.6 ms when it ran before it.
 */
export function warmUpForward(exports: Exports): void {
  const rows = 32;
  const inputs = 64;
  const width = 16;
  const { take, end } = byteLayout();
  const x = take(8 * rows * inputs);
  const starts = take(4 * (rows + 1));
  const columns = take(4 * rows * inputs);
  const values = take(8 * rows * inputs);
  const panels = take(8 * rows * inputs);
  const biases = take(8 * width);
  const out = take(8 * rows * width);
  ensureBytes(exports.memory, end());
  // A quarter of the rows zeros (`compress` passes them over four at a time), the rest 0.25.
  new Float64Array(exports.memory.buffer, x, rows * inputs).fill(0.25, (rows * inputs) / 4);
  // x's 2,048 doubles as the weights of 128 inputs (the panels' room holds them).
  for (let turn = 0; turn < 64; turn++) exports.pack_panels(x, 0, (rows * inputs) / width, width, (rows * inputs) / width, panels);
  for (let turn = 0; turn < 16; turn++) {
    exports.compress(x, rows, inputs, starts, columns, values, turn & 1);
    exports.panel_forward(rows, width, inputs, starts, columns, values, panels, biases, out);
    exports.softmax_rows(out, rows, width);
  }
}

/**
 * Asks for the kernel's forward pass to be warmed up once in this thread (memory.ts `warmUpSoon`),
 * so that a first large call runs V8's optimised code: a model that will run it (an MLP made or
 * loaded, a network's training started) asks, while the process still has other work to do.
 */
export function warmUpDenseKernelSoon(): void {
  warmUpSoon(WASM_BASE64, warmUpForward);
}

/** How many calls this thread's kernel has run (tests see which calls went to it). */
export function networkForwardCalls(): number {
  return calls;
}

/** A layer as the kernel runs it: out = activate(biases + x · weights), weights inputs × outputs row-major (fewer than 2^26 inputs: `compress` writes each column × 64 as an i32). */
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
  /** The activation is the softmax of each row (`activate`'s): the kernel applies it in its memory (`softmax_rows`, the same bits). */
  softmax?: boolean;
}

/** Where a layer's panels and biases lie in the kernel's memory. */
interface PlacedLayer {
  panels: number;
  bias: number;
}

/**
 * A network whose panels stay in the kernel's memory: its key, held weakly (a model dropped by its
 * caller — a server's deleted model, an attack's shadow — is not kept alive by its panels, which
 * the next flush reuses), and where each layer lies.
 */
interface Resident {
  key: readonly WeakRef<object>[];
  placed: PlacedLayer[];
  parameters: number;
}

let residents: Resident[] = [];
/** The end of the residents' bytes: every call's own blocks come after it. */
let residentEnd = 0;

/** The resident network of `key` (the same objects, in order), if there is one. */
function residentOf(key: readonly object[]): Resident | undefined {
  return residents.find((resident) => resident.key.length === key.length && resident.key.every((item, i) => item.deref() === key[i]));
}

/** Whether the network keyed `key` has its panels in this thread's kernel memory (a call of it lays out nothing). */
export function isResident(key: readonly object[]): boolean {
  return residentOf(key) !== undefined;
}

const parametersOf = (layers: readonly KernelLayer[]) => layers.reduce((sum, layer) => sum + (layer.inputs + 1) * layer.outputs, 0);

/**
 * Each layer's weights into column panels at byte `from` on (and its biases beside them), through
 * `staged` doubles of room at byte `stage`, a block of weight rows at a time; returns the layers'
 * places and the end of their bytes.
 */
function layOut(layers: readonly KernelLayer[], from: number, stage: number, staged: number): { placed: PlacedLayer[]; end: number } {
  const { take, end } = byteLayout(from);
  const placed = layers.map((layer) => ({ panels: take(8 * layer.inputs * layer.outputs), bias: take(8 * layer.outputs) }));
  const buffer = kernel!.memory.buffer;
  const staging = new Float64Array(buffer, stage, staged);
  layers.forEach((layer, l) => {
    new Float64Array(buffer, placed[l].bias, layer.outputs).set(layer.biases);
    const block = Math.floor(staged / layer.outputs);
    for (let first = 0; first < layer.inputs; first += block) {
      const count = Math.min(block, layer.inputs - first);
      staging.set(layer.weights.subarray(first * layer.outputs, (first + count) * layer.outputs));
      kernel!.pack_panels(stage, first, count, layer.outputs, layer.inputs, placed[l].panels);
    }
  });
  return { placed, end: end() };
}

/**
 * Runs `rows` rows of x (rows × layers[0].inputs) through `layers` in turn, the last one's outputs
 * written to `out` (rows × its outputs); each layer's inputs must be the one before's outputs.
 * Returns whether every value of x was finite (`compress` reads each one anyway): a caller that
 * refuses other values need not scan them first. With `key` (objects that name these layers and
 * whose weights never change) the panels stay for the calls after, and a resident network's are
 * used as they lie.
 */
export function networkForward(layers: readonly KernelLayer[], x: Float64Array, rows: number, out: Float64Array, key?: readonly object[]): boolean {
  kernel ??= instantiateSparseLayer();
  calls++;
  const widest = Math.max(...layers.map((layer) => layer.inputs));
  const chunk = Math.max(1, Math.min(rows, Math.max(CHUNK_ROWS, Math.floor(CHUNK_ENTRIES / Math.max(1, widest)))));
  // The chunk's rows, and before a layout each layer's weights a block of rows at a time on their way to the panels.
  const staged = Math.max(chunk * layers[0].inputs, ...layers.map((layer) => layer.outputs));
  let resident = key && residentOf(key);
  let placed = resident?.placed;
  let from = residentEnd;
  if (!placed) {
    const parameters = parametersOf(layers);
    const keep = key !== undefined && parameters <= RESIDENT_PARAMETERS;
    if (keep && (residents.length >= RESIDENT_NETWORKS || residents.reduce((sum, r) => sum + r.parameters, 0) + parameters > RESIDENT_PARAMETERS)) {
      residents = [];
      residentEnd = 0;
      from = 0;
    }
    // The panels at `from` (as `layOut` takes them: 16-byte blocks), the staging room after them.
    const block16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
    const panelBytes = layers.reduce((sum, layer) => sum + block16(8 * layer.inputs * layer.outputs) + block16(8 * layer.outputs), 0);
    ensureBytes(kernel.memory, from + panelBytes + 8 * staged);
    const laid = layOut(layers, from, from + panelBytes, staged);
    placed = laid.placed;
    from = laid.end;
    if (keep) {
      resident = { key: key.map((item) => new WeakRef(item)), placed, parameters };
      residents.push(resident);
      residentEnd = from;
    }
  }
  const { take, end: used } = byteLayout(from);
  const dense = take(8 * staged);
  const starts = take(4 * (chunk + 1));
  const columns = take(4 * chunk * widest);
  const values = take(8 * chunk * widest);
  const outputs = layers.map((layer) => take(8 * chunk * layer.outputs));
  ensureBytes(kernel.memory, used());
  const buffer = kernel.memory.buffer;
  const inputView = new Float64Array(buffer, dense, chunk * layers[0].inputs);
  const views = layers.map((layer, l) => new Float64Array(buffer, outputs[l], chunk * layer.outputs));
  const last = layers[layers.length - 1].outputs;
  let finite = true;
  for (let first = 0; first < rows; first += chunk) {
    const count = Math.min(chunk, rows - first);
    inputView.set(x.subarray(first * layers[0].inputs, (first + count) * layers[0].inputs));
    let at = dense;
    layers.forEach((layer, l) => {
      // Below a ReLU layer, its activation is applied as its values are compressed.
      const relu = l > 0 && layers[l - 1].relu === true;
      const nonFinite = kernel!.compress(at, count, layer.inputs, starts, columns, values, relu ? 1 : 0);
      if (l === 0 && nonFinite) finite = false;
      kernel!.panel_forward(count, layer.outputs, layer.inputs, starts, columns, values, placed![l].panels, placed![l].bias, outputs[l]);
      if (layer.softmax) kernel!.softmax_rows(outputs[l], count, layer.outputs);
      else if (!layer.relu || l === layers.length - 1) layer.activate(views[l].subarray(0, count * layer.outputs), count);
      at = outputs[l];
    });
    out.set(views[views.length - 1].subarray(0, count * last), first * last);
  }
  return finite;
}
