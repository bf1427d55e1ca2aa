/** What travels through the training queue: a job names its data set by hash and its rows by index. */

import { createMatrix, type Matrix } from '../math/matrix.ts';
import type { TrainerSpec } from '../parallel/training-service.ts';
import { KEY_PREFIX } from './redis.ts';

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

/** Where the job's result waits (its model, or its answers), and where it was made. */
export interface TrainResult {
  /** The key of the fitted model's JSON text (`resultKey`), when the job asked for the model. */
  modelKey?: string;
  /** Where the answers on the job's `predict` row sets wait (`resultKey`), and each set's shape. */
  answers?: { key: string; shapes: { rows: number; cols: number }[] };
  /** The tfjs backend the worker trained on (always wasm; checked by the client). */
  backend: string;
  /** Host name and pid of the worker process. */
  worker: string;
  /** Milliseconds the fit took on the worker (fetching the data set included). */
  ms: number;
}

/**
 * The Redis key where job `jobId`'s result waits for its client: the fitted model's JSON text, or
 * its answers as the matrices' float64 values, little-endian, one after another. Not in the job's
 * return value: BullMQ writes that into the job's hash and again into the queue's event stream
 * (kept for its last 10,000 events) — a 64-shadow LiRA run on Fashion-MNIST answers 10,000 rows ×
 * 10 classes a shadow, 1.07 MB of base64 JSON a job, so 137 MB in Redis and its append-only file a
 * run; a Fashion-MNIST MLP is 2 MB of JSON. Here the bytes are written once, read once, and deleted
 * by the client that reads them (or expire after `RESULT_TTL_S`, as the job's record does, when no
 * client does).
 */
export function resultKey(jobId: string): string {
  return `${KEY_PREFIX}:result:${jobId}`;
}

/** How long a result waits for its client, seconds (the job's own record is kept as long). */
export const RESULT_TTL_S = 3600;

/** Matrices as the bytes of `resultKey`. */
export function packMatrices(matrices: readonly Matrix[]): Buffer {
  return Buffer.concat(matrices.map((matrix) => {
    const values = matrix.data.subarray(0, matrix.rows * matrix.cols);
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }));
}

/** And back, in `shapes`; null when the bytes do not fill them exactly. */
export function unpackMatrices(bytes: Uint8Array, shapes: readonly { rows: number; cols: number }[]): Matrix[] | null {
  if (!shapes.every(({ rows, cols }) => Number.isInteger(rows) && Number.isInteger(cols) && rows >= 0 && cols >= 0)) return null;
  if (shapes.reduce((sum, { rows, cols }) => sum + rows * cols * 8, 0) !== bytes.length) return null;
  let offset = 0;
  return shapes.map(({ rows, cols }) => {
    const data = new Float64Array(rows * cols);
    new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + data.byteLength));
    offset += data.byteLength;
    return createMatrix(rows, cols, data);
  });
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
