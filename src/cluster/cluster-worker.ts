/**
 * `threatlab worker`: takes jobs from the BullMQ queues on Redis — models to train (shadow,
 * reference and target models of attacks, audits and reproductions) and the server's jobs (train
 * on an uploaded CSV, audit a model) — and runs them on worker threads of this process, each with
 * its own tfjs-wasm backend (`--concurrency` threads per queue, so one process per machine uses
 * its cores). The BullMQ worker stays on the main thread, which does no
 * heavy work, so it renews its job locks on time; when this process dies its jobs' locks lapse
 * and another worker takes them (BullMQ's stalled-job check).
 */

import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import { LruCache } from '../api/lru-cache.ts';
import { gatherTrainingRows, trainingShape, type RowSelection } from '../parallel/training-set.ts';
import { isErrorCode } from '../errors.ts';
import { DEFAULT_LIMITS } from '../api/limits.ts';
import { WorkerPool } from '../jobs/worker-pool.ts';
import { TrainingPool } from '../parallel/training-pool.ts';
import type { TaskJobResult } from './cluster-tasks.ts';
import { unpackTask, type TaskJob } from './task-jobs.ts';
import { BlobReader } from './blob-store.ts';
import type { CodedDataset } from './dataset-blob.ts';
import { CANCEL_CHANNEL, cancelKey, connectionOptions, connectRedis, KEY_PREFIX, redacted, TASK_QUEUE, TRAINING_QUEUE } from './redis.ts';
import { decodeRows, packMatrices, RESULT_TTL_S, resultKey, type RowsOf, type TrainJob, type TrainResult } from './training-jobs.ts';

/** Settings of a worker process. */
export interface ClusterWorkerOptions {
  url: string;
  /** Jobs at once, each on its own thread. */
  concurrency: number;
  /** A job's lock, ms: how long after this process dies its jobs go to another worker. */
  lockMs?: number;
  /** Memory for fetched data sets, bytes. */
  cacheBytes?: number;
  /** Heap of each thread that runs a server job, MiB (the server's jobMemoryMb). */
  jobMemoryMb?: number;
  /** One line per event (job started, done, failed). */
  log?: (line: string) => void;
}

/** Memory for the rows models answer on, kept between jobs (`answerRowsOfJob`). */
const ANSWER_ROWS_BYTES = 512 * 1024 ** 2;

/** Codes that mean the job itself is wrong: retrying cannot help. */
const FINAL_CODES = new Set(['cancelled', 'validation', 'usage', 'capability', 'limit-exceeded', 'parse-error', 'not-found', 'missing-value', 'unknown-category', 'ragged-row', 'empty-file']);

/** A running worker process. */
export interface ClusterWorker {
  readonly name: string;
  /** Jobs finished by this process. */
  done(): number;
  /** Finishes the jobs in hand, then stops. */
  close(): Promise<void>;
}

/** Starts taking jobs. */
export async function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const log = options.log ?? (() => {});
  const name = `${hostname()}:${process.pid}`;
  const redis: Redis = await connectRedis(options.url);
  const blobs = new BlobReader(redis, options.cacheBytes ?? 2 * 1024 ** 3);
  const answerRows = new LruCache<string, Matrix>(ANSWER_ROWS_BYTES);
  // Started now, and jobs taken once its threads have loaded: the first ones should not wait for them.
  const pool = new TrainingPool(options.concurrency).start();
  await pool.ready();
  let finished = 0;
  // Cancels: a client publishes the id of a job it cancels; the job in hand here stops.
  const inHand = new Map<string, AbortController>();
  const listener = redis.duplicate();
  listener.on('error', () => undefined);
  listener.on('message', (_channel: string, id: string) => inHand.get(id)?.abort());
  await listener.subscribe(CANCEL_CHANNEL);
  /**
   * Runs a job with a cancel switch; one cancelled before it started does not run. Its "started"
   * line is logged by `work`, after the check: a job withdrawn as it was taken logs only "skipped".
   */
  const cancellable = async <T>(job: Job, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const control = new AbortController();
    inHand.set(job.id!, control);
    try {
      if ((await redis.exists(cancelKey(job.id!))) === 1) {
        log(`job ${job.id} skipped: cancelled by its client before it started here`);
        throw new UnrecoverableError('cancelled: the job was cancelled by its client before it started here');
      }
      return await work(control.signal);
    } finally {
      inHand.delete(job.id!);
    }
  };

  const processor = async (job: Job<TrainJob, TrainResult>): Promise<TrainResult> => {
    const started = performance.now();
    try {
      return await cancellable(job, async (signal) => {
        log(`job ${job.id} started (attempt ${job.attemptsStarted}): ${job.data.spec.kind} on ${job.data.count} rows, seed ${job.data.seed}, ${job.data.parts?.length ?? 0} part(s)`);
        const data = await rowsOfJob(job.data.parts, blobs);
        const named = trainingShape(data).rows;
        if (named !== job.data.count) throw new UnrecoverableError(`validation: the job says ${job.data.count} rows and names ${named}`);
        const on = job.data.predict === undefined ? undefined : await Promise.all(job.data.predict.map((parts) => answerRowsOfJob(parts, blobs, answerRows)));
        const fetched = performance.now();
        const { model, predictions, backend } = await pool.fit(job.data.spec, data, job.data.seed, on, signal);
        // The result waits as bytes under a key of the job's own, not in its return value (resultKey).
        const key = resultKey(job.id!);
        const answers = predictions && { key, shapes: predictions.map(({ rows, cols }) => ({ rows, cols })) };
        await redis.set(key, predictions ? packMatrices(predictions) : JSON.stringify(model), 'EX', RESULT_TTL_S);
        const ms = performance.now() - started;
        finished++;
        log(`job ${job.id} done in ${(ms / 1000).toFixed(2)} s (rows ready in ${((fetched - started) / 1000).toFixed(2)} s)`);
        return { modelKey: predictions ? undefined : key, answers, backend, worker: name, ms };
      });
    } catch (error) {
      throw failure(job.id, error, log);
    }
  };

  // The server's jobs (train on an upload, audit a model) run as its own worker threads run them:
  // the same task code, within the server's time limit, each worker within a heap limit.
  const tasks = new WorkerPool({ name: 'cluster', size: options.concurrency, memoryMb: options.jobMemoryMb ?? DEFAULT_LIMITS.jobMemoryMb, maxQueued: options.concurrency });
  const taskProcessor = async (job: Job<TaskJob, TaskJobResult>): Promise<TaskJobResult> => {
    const started = performance.now();
    try {
      return await cancellable(job, async (signal) => {
        log(`job ${job.id} started (attempt ${job.attemptsStarted}): server ${job.name} task`);
        const task = await unpackTask(job.data.task, blobs);
        let reported = 0;
        const result = await tasks.run(task, {
          signal,
          timeoutMs: job.data.timeoutMs,
          timeoutLimit: job.data.timeoutLimit,
          onProgress: (fraction) => {
            if (fraction - reported < 0.01 && fraction < 1) return;
            reported = fraction;
            void job.updateProgress(fraction).catch(() => undefined);
          },
      });
      finished++;
      log(`job ${job.id} done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
      return { result, worker: name };
      });
    } catch (error) {
      throw failure(job.id, error, log);
    }
  };

  const lockDuration = options.lockMs ?? 30_000;
  const settings = {
    connection: connectionOptions(options.url),
    prefix: KEY_PREFIX,
    concurrency: options.concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 2,
    name,
  };
  const workers = [new Worker<TrainJob, TrainResult>(TRAINING_QUEUE, processor, settings), new Worker<TaskJob, TaskJobResult>(TASK_QUEUE, taskProcessor, settings)];
  for (const worker of workers) worker.on('error', (error) => log(`queue error: ${error.message}`));
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  log(`worker ${name} takes jobs from ${redacted(options.url)} (${options.concurrency} at once)`);
  return {
    name,
    done: () => finished,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([pool.close(), tasks.close()]);
      listener.disconnect();
      redis.disconnect();
    },
  };
}

/** The error BullMQ records: `code: message`; a job that is wrong in itself is not retried. */
function failure(id: string | undefined, error: unknown, log: (line: string) => void): Error {
  if (error instanceof UnrecoverableError) return error;
  const code = (error as { code?: unknown }).code;
  const message = `${isErrorCode(code) ? code : 'internal'}: ${(error as Error).message}`;
  log(`job ${id} failed: ${message}`);
  return FINAL_CODES.has(String(code)) ? new UnrecoverableError(message) : new Error(message);
}

/**
 * The rows a job names, their data sets fetched (once per data set), as a row selection: the pool
 * gathers them into its thread's buffer — what `subsetRows` and `concatRows` made on the client,
 * with the first source's schema, classes and name, as they keep them.
 */
async function rowsOfJob(parts: RowsOf[], blobs: BlobReader): Promise<RowSelection> {
  if (!Array.isArray(parts) || parts.length === 0) throw new UnrecoverableError('validation: the job names no rows; re-submit it from a threatlab client of the same version');
  const pieces: { from: CodedDataset; rows: Uint32Array }[] = [];
  for (const part of parts) {
    const source = await blobs.get(part.dataset);
    const rows = part.rows === undefined ? undefined : decodeRows(part.rows);
    if (rows === null) throw new UnrecoverableError("parse-error: the job's row list is not whole uint32s; re-submit it");
    const bad = rows?.find((row) => row >= source.rows);
    if (bad !== undefined) throw new UnrecoverableError(`validation: the job names row ${bad} of a ${source.rows}-row data set`);
    if (pieces.length > 0 && source.cols !== pieces[0].from.cols) throw new UnrecoverableError('validation: the job joins data sets of different widths');
    pieces.push({ from: source, rows: rows ?? Uint32Array.from({ length: source.rows }, (_, i) => i) });
  }
  return { parts: pieces };
}

/**
 * The rows a job's model answers on, gathered once per distinct list and kept (every LiRA shadow
 * answers on the same candidates: 10,000 Fashion-MNIST rows, 63 MB — gathered anew, and copied into
 * shared memory for the thread, for each job, they were a fifth of a job's time).
 */
async function answerRowsOfJob(parts: RowsOf[], blobs: BlobReader, kept: LruCache<string, Matrix>): Promise<Matrix> {
  const key = JSON.stringify(parts);
  const known = kept.get(key);
  if (known) return known;
  const selection = await rowsOfJob(parts, blobs);
  const { rows, cols } = trainingShape(selection);
  const matrix = createMatrix(rows, cols);
  gatherTrainingRows(selection, matrix.data);
  kept.set(key, matrix, matrix.data.byteLength);
  return matrix;
}
