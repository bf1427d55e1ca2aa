/**
 * The Hessian of a logistic loss accumulated in WebAssembly (`hessian.wat`): Σ over rows of the
 * IRLS weights times the outer product of the row's non-zero entries, block by block. Newton's
 * method (models/linear/newton-logistic.ts) writes each row's weights and reads the Hessian's
 * lower triangle; the sums are the same bits as the JavaScript loop (tested), and they run
 * compiled from the first call, where a small problem's first fit ran that loop uncompiled. The
 * rows' scores at θ (`score`) and the gradient's sum over rows (`scatter`) run here too, on the
 * rows where the kernel holds them: Newton's JavaScript then reads each row's scores from one
 * array and writes its residuals there, with no gathers through the rows' columns.
 */

import { ThreatlabError } from '../../errors.ts';
import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './hessian.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  accumulate(first: number, end: number, blocks: number, stride: number, size: number, starts: number, columns: number, values: number, weights: number, hessian: number): void;
  scores(first: number, end: number, blocks: number, stride: number, starts: number, columns: number, values: number, theta: number, out: number): void;
  scatter(first: number, end: number, blocks: number, stride: number, starts: number, columns: number, values: number, residuals: number, gradient: number): void;
}

/** Rows as their non-zero entries: row i holds entries start[i] … start[i + 1] − 1, columns increasing. */
export interface CompressedRows {
  start: Uint32Array;
  columns: Uint32Array;
  values: Float64Array;
}

/** Weights held for this many numbers at most (8 MiB): rows are accumulated a chunk at a time. */
const WEIGHT_NUMBERS = 1 << 20;

/** A kernel over fixed rows; its arrays are views of the kernel's memory. */
export interface HessianKernel {
  /** Rows a chunk holds: `accumulate` takes at most this many at a time. */
  chunkRows: number;
  /**
   * The chunk's weights: for its r-th row, the lower triangle of the blocks × blocks weights, row
   * by row (index r·T + c·(c + 1)/2 + d, T = blocks·(blocks + 1)/2).
   */
  weights: Float64Array;
  /** size × size, size = blocks · stride; `accumulate` adds to its lower triangle (zero it first). */
  hessian: Float64Array;
  /**
   * hessian[(c·stride + a)·size + d·stride + b] += w_icd · x_ia · x_ib over rows i from `first` to
   * `end` − 1 (their weights in `weights`), blocks d ≤ c, entries (b ≤ a within a block).
   */
  accumulate(first: number, end: number): void;
  /** θ (size values) where `score` reads it. */
  theta: Float64Array;
  /** The chunk's scores, then (written over by the caller) its residuals: for its r-th row, `blocks` values from r·blocks. */
  scores: Float64Array;
  /** size values; `scatter` adds to it (zero it first). */
  gradient: Float64Array;
  /** scores[(i − first)·blocks + c] = Σ θ[c·stride + column] · value over row i's entries in order, for rows `first` to `end` − 1. */
  score(first: number, end: number): void;
  /** gradient[c·stride + column] += scores[(i − first)·blocks + c] · value, rows `first` to `end` − 1 in order (the scores array holding residuals by then). */
  scatter(first: number, end: number): void;
}

/** This thread's instance: one for every kernel, its memory grown to the largest asked for (a fresh instance costs 0.1–0.6 ms, a tiny fit's whole time). */
let shared: Exports | undefined;

/**
 * A kernel for `count` rows of `entries` non-zero entries in all (columns below `stride`), with
 * `blocks` blocks of `stride` unknowns, whose rows the caller writes into `rows` — views of the
 * kernel's memory, so the rows are made once, where the kernel reads them (Adult's 3.6 MB of them a
 * fit, fresh pages each time as a JavaScript copy: ~880 page faults and 6–7 ms). Every kernel of a
 * thread shares one memory: a kernel and its rows are valid until the next call of this function
 * (Newton's method makes one and uses it to the end, synchronously).
 */
export function hessianKernelFor(count: number, entries: number, blocks: number, stride: number): HessianKernel & { rows: CompressedRows } {
  const size = blocks * stride;
  const triangle = (blocks * (blocks + 1)) / 2;
  const chunkRows = Math.max(1, Math.min(count, Math.floor(WEIGHT_NUMBERS / triangle)));
  const layout = byteLayout();
  const starts = layout.take(4 * (count + 1));
  const columns = layout.take(4 * entries);
  const values = layout.take(8 * entries);
  const weights = layout.take(8 * chunkRows * triangle);
  const hessian = layout.take(8 * size * size);
  const theta = layout.take(8 * size);
  const gradient = layout.take(8 * size);
  const scores = layout.take(8 * chunkRows * blocks);
  const exports = (shared ??= instantiate<Exports>(WASM_BASE64));
  ensureBytes(exports.memory, layout.end());
  const buffer = exports.memory.buffer;
  return {
    rows: { start: new Uint32Array(buffer, starts, count + 1), columns: new Uint32Array(buffer, columns, entries), values: new Float64Array(buffer, values, entries) },
    chunkRows,
    weights: new Float64Array(buffer, weights, chunkRows * triangle),
    hessian: new Float64Array(buffer, hessian, size * size),
    theta: new Float64Array(buffer, theta, size),
    scores: new Float64Array(buffer, scores, chunkRows * blocks),
    gradient: new Float64Array(buffer, gradient, size),
    accumulate: (first, end) => {
      checkChunk(first, end, chunkRows);
      exports.accumulate(first, end, blocks, stride, size, starts, columns, values, weights, hessian);
    },
    score: (first, end) => {
      checkChunk(first, end, chunkRows);
      exports.scores(first, end, blocks, stride, starts, columns, values, theta, scores);
    },
    scatter: (first, end) => {
      checkChunk(first, end, chunkRows);
      exports.scatter(first, end, blocks, stride, starts, columns, values, scores, gradient);
    },
  };
}

function checkChunk(first: number, end: number, chunkRows: number): void {
  if (end - first > chunkRows) throw new ThreatlabError('internal', `the Hessian kernel was given ${end - first} rows at once; it holds ${chunkRows}: give it a chunk at a time`);
}
