/**
 * A training set's rows in float32, scaled where a scaling is given, made once for a run of many
 * passes: the native engine's graph then gathers float32 rows and neither scales nor casts a batch
 * (for Fashion-MNIST shadows, 784 columns, scaling and casting in the graph took ~115 µs of a
 * 0.8 ms step and gathering float64 rows twice the bytes). The values are the in-graph path's bit
 * for bit: (x − offset) × factor + shift in float64, as ColumnScaler.transform computes it, then
 * rounded to the nearest float32, as the graph's Cast rounds.
 *
 * The buffer is kept for the next run of this thread (up to 64 MB): fresh memory costs ~10 µs a
 * page to touch on this machine — more than making the rows — and shadow models train one after
 * another on data sets of one size.
 */

import type { ColumnScaler } from '../../../data/encoders/scaling.ts';
import type { Matrix } from '../../../math/matrix.ts';
import { toFloat32Rows } from '../../../math/wasm/float32-kernel.ts';

/** From this many passes over the rows on, rounding them once costs less than scaling and casting each batch. */
export const ROUND_ONCE_FROM_PASSES = 4;

const KEEP_AT_MOST_VALUES = (64 * 2 ** 20) / 4;
let spare: Float32Array | undefined;

/** A buffer of at least `length` values: the kept one when it is large enough (it is then taken until given back). */
function takeBuffer(length: number): Float32Array {
  if (spare && spare.length >= length) {
    const buffer = spare;
    spare = undefined;
    return buffer;
  }
  return new Float32Array(length);
}

/** Rows in float32 (a view of a reused buffer) and the means to give the buffer back for the next run. */
export interface Float32Rows {
  rows: Float32Array;
  release(): void;
}

/** `features` — its rows `only`, in that order, where given — scaled by `scaling` (where given) and rounded to float32. */
export function float32Rows(features: Matrix, scaling?: ColumnScaler, only?: Uint32Array): Float32Rows {
  const { cols, data } = features;
  const rows = only?.length ?? features.rows;
  const buffer = takeBuffer(rows * cols);
  const out = buffer.subarray(0, rows * cols);
  toFloat32Rows(data, cols, out, scaling, only);
  return {
    rows: out,
    release: () => {
      if (buffer.length <= KEEP_AT_MOST_VALUES && (!spare || spare.length < buffer.length)) spare = buffer;
    },
  };
}
