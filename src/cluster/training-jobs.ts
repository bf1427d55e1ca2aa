/** What travels through the training queue: a job names its data set by hash and its rows by index. */

import { createMatrix, type Matrix } from '../math/matrix.ts';
import type { ModelJson } from '../models/json.ts';
import type { TrainerSpec } from '../parallel/training-service.ts';

/** Rows of one data set sent to Redis. */
export interface RowsOf {
  /** The data set, by content hash (see blob-store.ts). */
  dataset: string;
  /** Its rows, as little-endian uint32 in base64; absent: every row. */
  rows?: string;
}

/** Fit one model on the rows of `parts`, in order (a LiRA shadow: some candidates, then population rows). */
export interface TrainJob {
  spec: TrainerSpec;
  seed: number;
  parts: RowsOf[];
  /** Row count, for listings and checks. */
  count: number;
  /** Row sets to answer with the fitted model, each named like `parts`; when given, the result carries the answers, not the model. */
  predict?: RowsOf[][];
  /** Who submitted it (one id per client run). */
  client: string;
}

/** The fitted model and where it was made. */
export interface TrainResult {
  model?: ModelJson;
  /** `predictProba` on each of the job's `predict` row sets. */
  predictions?: EncodedMatrix[];
  /** The tfjs backend the worker trained on (always wasm; checked by the client). */
  backend: string;
  /** Host name and pid of the worker process. */
  worker: string;
  /** Milliseconds the fit took on the worker (fetching the data set included). */
  ms: number;
}

/** A float64 matrix as job text (values bit for bit). */
export interface EncodedMatrix {
  rows: number;
  cols: number;
  /** Little-endian float64, row-major, in base64. */
  data: string;
}

/** A matrix as job text. */
export function encodeMatrix(matrix: Matrix): EncodedMatrix {
  const values = matrix.data.subarray(0, matrix.rows * matrix.cols);
  return { rows: matrix.rows, cols: matrix.cols, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
}

/** And back; null when the bytes do not fill the shape. */
export function decodeMatrix(encoded: EncodedMatrix): Matrix | null {
  const bytes = Buffer.from(encoded.data, 'base64');
  if (!Number.isInteger(encoded.rows) || !Number.isInteger(encoded.cols) || bytes.length !== encoded.rows * encoded.cols * 8) return null;
  const data = new Float64Array(encoded.rows * encoded.cols);
  new Uint8Array(data.buffer).set(bytes);
  return createMatrix(encoded.rows, encoded.cols, data);
}

/** Row indices as job text. */
export function encodeRows(rows: Uint32Array): string {
  return Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('base64');
}

/** And back; null when the text is not whole uint32s. */
export function decodeRows(text: string): Uint32Array | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) return null;
  const rows = new Uint32Array(bytes.length / 4);
  new Uint8Array(rows.buffer).set(bytes);
  return rows;
}
