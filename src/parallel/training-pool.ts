/**
 * Trains independent models (shadow and reference models of the membership attacks) in
 * parallel on worker threads, each with its own tfjs backend: the wasm backend runs one thread
 * in Node, so two workers use both cores of this machine. Results are identical to training in
 * the main thread: every job carries its own seed. `size: 0` trains in this thread (tests,
 * one-core machines).
 */

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { tf } from '../backend/tf.ts';
import { isErrorCode, ThreatlabError } from '../errors.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import { createTrainer, modelFromOwnJson } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { Rng } from '../random.ts';
import { fitOutcome, type FitOutcome } from './fit.ts';
import { datasetToMessage, sharedOnce, type TrainingReply, type TrainingRequest } from './messages.ts';
import type { TrainerSpec, TrainingService } from './training-service.ts';
import { startWorker, stopWorker, untilStarted } from './native-guard.ts';
import { gatherTrainingRows, trainingDataset, trainingShape, type TrainingData } from './training-set.ts';

export type { TrainerSpec, TrainingService } from './training-service.ts';

/** A fit's outcome (the model's file form, or its answers) and the tfjs backend it ran on. */
export interface Fitted extends FitOutcome {
  backend: string;
}

interface Pending {
  resolve: (fitted: Fitted) => void;
  reject: (error: Error) => void;
}

/** A fixed number of training workers, started as the work needs them. */
export class TrainingPool implements TrainingService {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  /** Requests waiting for a worker; a training set is gathered for it only when a worker takes it. */
  private readonly queue: { request: Omit<TrainingRequest, 'data'>; data: TrainingData; pending: Pending }[] = [];
  /**
   * Row buffers the workers handed back, by size, for the next data sets (fresh memory is slow to
   * touch here: ~10 µs a page). A data set's rows travel to the worker in a buffer of their own,
   * transferred, not shared: onnxruntime-node takes no SharedArrayBuffer, and the native engine
   * feeds it the rows where they lie; the worker transfers the buffer back with its reply.
   */
  private readonly spare = new Map<number, ArrayBuffer[]>();
  private readonly pending = new Map<number, Pending>();
  /** The worker of each running request. */
  private readonly running = new Map<number, Worker>();
  private nextId = 0;

  /** Up to `size` workers, each started when a fit first finds none idle (or by `start`): a pool that trains nothing starts none. */
  constructor(size = Math.min(2, availableParallelism())) {
    this.size = size;
  }

  /** Starts every worker now, so that their start-up (~0.5 s: modules, onnxruntime) overlaps this thread's work instead of delaying the first fits. */
  start(): this {
    while (this.workers.length < this.size) this.idle.push(this.spawn());
    return this;
  }

  /** Resolves once every worker started so far has loaded its modules (after `start`: all of them) — a cluster worker process takes jobs only then. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((worker) => untilStarted(worker)));
  }

  private spawn(): Worker {
    const worker = startWorker(new URL('./training-worker.mjs', import.meta.url));
    worker.on('message', (reply: TrainingReply) => this.settle(worker, reply));
    let crash: Error | undefined;
    worker.on('error', (error) => (crash = error));
    worker.once('exit', (code) => this.lost(worker, crash?.message ?? `it exited with code ${code}`));
    worker.unref();
    this.workers.push(worker);
    return worker;
  }

  /** Fits a classifier on `data` with `seed`. */
  async train(spec: TrainerSpec, data: TrainingData, seed: number): Promise<Classifier> {
    if (this.size === 0) return createTrainer(spec.kind, spec.params).fit(trainingDataset(data), new Rng(seed)) as Promise<Classifier>;
    // Written by this process's worker thread, its weights packed (read back here at once).
    return modelFromOwnJson((await this.fit(spec, data, seed, undefined, undefined, true)).model!, 'shadow model') as Classifier;
  }

  async trainAndPredict(spec: TrainerSpec, data: TrainingData, seed: number, on: readonly ClassificationDataset[]): Promise<Matrix[]> {
    const { predictions } = await this.fit(spec, data, seed, on.map((rows) => rows.features));
    return predictions!;
  }

  /**
   * The fit's outcome where it ran: the model's file form, or with `on` its answers (what a cluster
   * worker sends back). `signal` cancels the fit: it leaves the queue, or its thread is stopped and
   * replaced; it fails with `cancelled`. `packed`: the model's weights come as Float64Arrays
   * (`packWeights`), for `modelFromOwnJson` only.
   */
  async fit(spec: TrainerSpec, data: TrainingData, seed: number, on?: readonly Matrix[], signal?: AbortSignal, packed = false): Promise<Fitted> {
    if (signal?.aborted) throw new ThreatlabError('cancelled', 'the training was cancelled before it started');
    if (this.size === 0) return { ...(await fitOutcome(spec, trainingDataset(data), seed, on)), backend: tf.getBackend() };
    return new Promise((resolve, reject) => {
      const predict = on?.map(({ rows, cols, data: values }) => ({ rows, cols, data: sharedOnce(values) }));
      const request = { id: this.nextId++, kind: spec.kind, params: spec.params, seed, predict, ...(packed ? { packed } : {}) };
      this.queue.push({ request, data, pending: { resolve, reject } });
      signal?.addEventListener('abort', () => this.cancel(request.id), { once: true });
      this.dispatch();
    });
  }

  private cancel(id: number): void {
    const error = new ThreatlabError('cancelled', 'the training was cancelled');
    const queued = this.queue.findIndex((entry) => entry.request.id === id);
    if (queued >= 0) {
      this.queue.splice(queued, 1)[0].pending.reject(error);
      return;
    }
    const worker = this.running.get(id);
    const pending = this.pending.get(id);
    if (!worker || !pending) return;
    this.pending.delete(id);
    this.running.delete(id);
    // The stopped worker's row buffer is not handed back: it goes with the worker.
    this.drop(worker);
    void stopWorker(worker);
    pending.reject(error);
    this.dispatch();
  }

  /** Stops the workers; fits still queued or running fail with `cancelled`. */
  async close(): Promise<void> {
    const error = new ThreatlabError('cancelled', 'the training pool was closed before the training ended');
    for (const { pending } of this.queue.splice(0)) pending.reject(error);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.running.clear();
    const workers = this.workers.splice(0);
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => stopWorker(worker)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      if (this.idle.length === 0) {
        if (this.workers.length >= this.size) return;
        this.idle.push(this.spawn());
      }
      const worker = this.idle.pop()!;
      const { request, data, pending } = this.queue.shift()!;
      const { rows, cols } = trainingShape(data);
      const features = this.rowBuffer(rows * cols);
      const { labels, like } = gatherTrainingRows(data, features);
      this.pending.set(request.id, pending);
      this.running.set(request.id, worker);
      worker.ref();
      worker.postMessage({ ...request, data: { ...datasetToMessage(like), rows, cols, features, labels } } satisfies TrainingRequest, [features.buffer as ArrayBuffer]);
    }
  }

  /** A spare buffer of `values` float64s, or a new one, for a training set's rows, to be transferred. */
  private rowBuffer(values: number): Float64Array {
    return new Float64Array(this.spare.get(8 * values)?.pop() ?? new ArrayBuffer(8 * values));
  }

  /** A row buffer handed back, kept for the next data set of its size. */
  private recycle(buffer: ArrayBuffer | undefined): void {
    if (!buffer || buffer.byteLength === 0) return;
    const spare = this.spare.get(buffer.byteLength) ?? [];
    if (spare.length < this.size) spare.push(buffer);
    this.spare.set(buffer.byteLength, spare);
  }

  private settle(worker: Worker, reply: TrainingReply): void {
    if (!this.workers.includes(worker)) return; // stopped by a cancel; its last words are not heard
    this.recycle(reply.rows);
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.running.delete(reply.id);
    worker.unref();
    this.idle.push(worker);
    if (pending) {
      if (reply.model || reply.predictions) {
        const predictions = reply.predictions?.map((rows) => createMatrix(rows.rows, rows.cols, rows.data));
        pending.resolve({ model: reply.model, predictions, backend: reply.backend ?? 'unknown' });
      }
      else pending.reject(workerError(reply.error));
    }
    this.dispatch();
  }

  /** Takes `worker` out of the pool (its stop, if any, is the caller's). */
  private drop(worker: Worker): void {
    for (const list of [this.workers, this.idle]) {
      const at = list.indexOf(worker);
      if (at >= 0) list.splice(at, 1);
    }
  }

  /**
   * A worker that ended on its own (a crash, an out-of-memory stop): its fit fails, it leaves the
   * pool, and the next fit starts another. (Stopped by `close` or a cancel, it has left already.)
   */
  private lost(worker: Worker, why: string): void {
    if (!this.workers.includes(worker)) return;
    this.drop(worker);
    for (const [id, running] of this.running) {
      if (running !== worker) continue;
      this.running.delete(id);
      this.pending.get(id)?.reject(new ThreatlabError('internal', `a training worker crashed: ${why}`));
      this.pending.delete(id);
    }
    this.dispatch();
  }
}

/** The trainer's own error (a bad parameter stays a validation error); anything else is internal. */
function workerError(error: TrainingReply['error']): ThreatlabError {
  if (error && isErrorCode(error.code)) return new ThreatlabError(error.code, error.message);
  return new ThreatlabError('internal', `training on a worker thread failed: ${error?.message ?? 'no reply'}`);
}
