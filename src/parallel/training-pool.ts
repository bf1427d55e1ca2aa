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
import { rowsToMessage, sharedKey, sharedOnce, WARM_START, type SelectionMessage, type TrainingReply, type TrainingRequest, type TrainingSkip } from './messages.ts';
import type { TrainerSpec, TrainingService } from './training-service.ts';
import { startWorker, stopWorker, untilStarted } from './native-guard.ts';
import { gatherTrainingRows, isRowSelection, trainingDataset, trainingDescription, trainingShape, type TrainingData } from './training-set.ts';

export type { TrainerSpec, TrainingService } from './training-service.ts';

/** A fit's outcome (the model's file form, or its answers) and the tfjs backend it ran on. */
export interface Fitted extends FitOutcome {
  backend: string;
  /** A packed model's schema was left out: it is the training set's (`omitTrainingSchema`). */
  schemaOmitted?: boolean;
}

interface Pending {
  resolve: (fitted: Fitted) => void;
  reject: (error: Error) => void;
}

/** A fit waiting for a worker, or sent to one. */
interface Entry {
  request: Omit<TrainingRequest, 'data'>;
  data: TrainingData;
  pending: Pending;
}

/**
 * Fits a worker holds at most: the one it trains and the next, sent ahead, so that it starts the
 * next as soon as the current ends instead of idling while this thread reads the reply and gathers
 * the next set (a logistic shadow of ~10 ms on Adult left its worker idle 14% of the time).
 */
const FITS_PER_WORKER = 2;

/**
 * The largest training set sent ahead (its rows' bytes). A larger one waits in the queue: two in
 * flight a worker would double the memory its sets hold, for a fit long enough that the gap it
 * saves is nothing (a 31-MB Fashion-MNIST shadow set trains in ~0.5 s).
 */
export const SEND_AHEAD_BYTES = 64 << 20;

/** Training sets' descriptions a worker keeps (each a schema: ~2 KB for Adult's 108 columns). */
export const DESCRIPTIONS_HELD = 32;

/** A fixed number of training workers, started as the work needs them. */
export class TrainingPool implements TrainingService {
  readonly size: number;
  private readonly workers: Worker[] = [];
  /** The fits sent to each worker, in the order sent: the first is the one it trains. */
  private readonly assigned = new Map<Worker, number[]>();
  /** Requests waiting for a worker; a training set is gathered for it only when a worker takes it. */
  private readonly queue: Entry[] = [];
  /**
   * Row buffers the workers handed back, by size, for the next data sets (fresh memory is slow to
   * touch here: ~10 µs a page). A data set's rows travel to the worker in a buffer of their own,
   * transferred, not shared: onnxruntime-node takes no SharedArrayBuffer, and the native engine
   * feeds it the rows where they lie; the worker transfers the buffer back with its reply.
   */
  private readonly spare = new Map<number, ArrayBuffer[]>();
  /** The fits sent and not yet answered (a cancelled one leaves at once), with their worker. */
  private readonly sent = new Map<number, { entry: Entry; worker: Worker }>();
  private nextId = 0;
  /** The keys of the training sets' descriptions each worker holds, the least recently named first (`describedTo`). */
  private readonly described = new Map<Worker, number[]>();
  /** Fits the workers answered and the seconds they spent on them (see `work`). */
  private readonly done = { fits: 0, seconds: 0 };

  /** Up to `size` workers, each started when a fit first finds none idle (or by `start`): a pool that trains nothing starts none. */
  /** Training sets up to this many bytes of rows are sent ahead to a busy worker. */
  private readonly sendAheadBytes: number;

  constructor(size = Math.min(2, availableParallelism()), options: { sendAheadBytes?: number } = {}) {
    this.size = size;
    this.sendAheadBytes = options.sendAheadBytes ?? SEND_AHEAD_BYTES;
  }

  /**
   * Starts every worker now, so that their start-up (~0.5 s: modules, then the backend and
   * onnxruntime's environment, made ahead here and not by a thread started on demand) overlaps
   * this thread's work instead of delaying the first fits.
   */
  start(): this {
    while (this.workers.length < this.size) this.spawn(true);
    return this;
  }

  /** Resolves once every worker started so far has loaded its modules (after `start`: all of them) — a cluster worker process takes jobs only then. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((worker) => untilStarted(worker)));
  }

  private spawn(warm = false): Worker {
    const worker = startWorker(new URL('./training-worker.mjs', import.meta.url), { argv: warm ? [WARM_START] : [] });
    worker.on('message', (reply: TrainingReply) => this.settle(worker, reply));
    let crash: Error | undefined;
    worker.on('error', (error) => (crash = error));
    worker.once('exit', (code) => this.lost(worker, crash?.message ?? `it exited with code ${code}`));
    worker.unref();
    this.workers.push(worker);
    this.assigned.set(worker, []);
    this.described.set(worker, []);
    return worker;
  }

  /** Fits a classifier on `data` with `seed`. */
  async train(spec: TrainerSpec, data: TrainingData, seed: number): Promise<Classifier> {
    if (this.size === 0) return createTrainer(spec.kind, spec.params).fit(trainingDataset(data), new Rng(seed)) as Promise<Classifier>;
    // Written by this process's worker thread, its weights packed (read back here at once), its schema the set's own.
    const { model, schemaOmitted } = await this.fit(spec, data, seed, undefined, undefined, true);
    if (schemaOmitted) model!.schema = trainingDescription(data).schema;
    return modelFromOwnJson(model!, 'shadow model') as Classifier;
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
    const sent = this.sent.get(id);
    if (!sent) return;
    this.sent.delete(id);
    sent.entry.pending.reject(error);
    const { worker } = sent;
    if (this.assigned.get(worker)![0] !== id) {
      // Sent ahead, not started: the worker skips it (and hands its rows back) when its turn comes.
      worker.postMessage({ skip: id } satisfies TrainingSkip);
      return;
    }
    // The stopped worker's row buffers are not handed back: they go with the worker. The fits sent
    // ahead to it go back to the front of the queue.
    this.requeueAhead(worker);
    this.drop(worker);
    void stopWorker(worker);
    this.dispatch();
  }

  /**
   * The fits the workers have answered so far and the seconds they spent on them, each by its
   * worker's clock (rows gathered, fitted, packed; not waiting for its turn nor in messages). Over
   * a stretch of work, `seconds` over the workers' count and the stretch's wall time is how busy
   * the pool kept them, and `seconds / fits` beside a single worker's shows how much slower each
   * fit runs beside another (this machine's two cores share their caches and memory).
   */
  work(): { fits: number; seconds: number } {
    return { ...this.done };
  }

  /** Stops the workers; fits still queued or running fail with `cancelled`. */
  async close(): Promise<void> {
    const error = new ThreatlabError('cancelled', 'the training pool was closed before the training ended');
    for (const { pending } of this.queue.splice(0)) pending.reject(error);
    for (const { entry } of this.sent.values()) entry.pending.reject(error);
    this.sent.clear();
    const workers = this.workers.splice(0);
    this.assigned.clear();
    this.described.clear();
    await Promise.all(workers.map((worker) => stopWorker(worker)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const { rows, cols } = trainingShape(this.queue[0].data);
      const worker = this.takerOfNext(8 * rows * cols <= this.sendAheadBytes);
      if (!worker) return;
      const entry = this.queue.shift()!;
      const { request, data } = entry;
      this.sent.set(request.id, { entry, worker });
      this.assigned.get(worker)!.push(request.id);
      worker.ref();
      const selection = selectionMessage(data);
      if (selection) {
        worker.postMessage({ ...request, data: this.describedTo(worker, selection) } satisfies TrainingRequest);
        continue;
      }
      const features = this.rowBuffer(rows * cols);
      const { labels, like } = gatherTrainingRows(data, features);
      worker.postMessage({ ...request, data: rowsToMessage(like, rows, cols, features, labels) } satisfies TrainingRequest, [features.buffer as ArrayBuffer]);
    }
  }

  /**
   * `selection` as `worker` is sent it: its description by key alone where the worker holds it,
   * else whole (and the least recently named of `DESCRIPTIONS_HELD` to forget). The worker keeps
   * and drops them as the requests arrive, in the order sent, so it holds what this list says.
   */
  private describedTo(worker: Worker, selection: SelectionMessage): SelectionMessage {
    const held = this.described.get(worker)!;
    const at = held.indexOf(selection.likeKey);
    if (at >= 0) held.splice(at, 1);
    held.push(selection.likeKey);
    if (at >= 0) return { ...selection, like: undefined };
    return held.length > DESCRIPTIONS_HELD ? { ...selection, forget: held.shift() } : selection;
  }

  /** The worker for the next fit: an idle one, a new one while the pool is not full, else (when `ahead`) one training a single fit, the next sent ahead; undefined when none takes it now. */
  private takerOfNext(ahead: boolean): Worker | undefined {
    const held = (worker: Worker) => this.assigned.get(worker)!.length;
    const idle = this.workers.find((worker) => held(worker) === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.spawn();
    return ahead ? this.workers.find((worker) => held(worker) < FITS_PER_WORKER) : undefined;
  }

  /** The fits sent ahead to `worker` (all but the one it trains), back to the front of the queue in their order. */
  private requeueAhead(worker: Worker): void {
    const ahead = this.assigned.get(worker)!.slice(1).flatMap((id) => {
      const sent = this.sent.get(id);
      this.sent.delete(id);
      return sent ? [sent.entry] : [];
    });
    this.queue.unshift(...ahead);
  }

  /** A spare buffer of `values` float64s, or a new one, for a training set's rows, to be transferred. */
  private rowBuffer(values: number): Float64Array {
    return new Float64Array(this.spare.get(8 * values)?.pop() ?? new ArrayBuffer(8 * values));
  }

  /** A row buffer handed back, kept for the next data set of its size. */
  private recycle(buffer: ArrayBuffer | undefined): void {
    if (!buffer || buffer.byteLength === 0) return;
    const spare = this.spare.get(buffer.byteLength) ?? [];
    if (spare.length < this.size * FITS_PER_WORKER) spare.push(buffer);
    this.spare.set(buffer.byteLength, spare);
  }

  private settle(worker: Worker, reply: TrainingReply): void {
    const assigned = this.assigned.get(worker);
    if (!assigned) return; // stopped by a cancel; its last words are not heard
    this.recycle(reply.rows);
    if (reply.seconds !== undefined) {
      this.done.fits++;
      this.done.seconds += reply.seconds;
    }
    const at = assigned.indexOf(reply.id);
    if (at >= 0) assigned.splice(at, 1);
    if (assigned.length === 0) worker.unref();
    const sent = this.sent.get(reply.id);
    this.sent.delete(reply.id);
    if (sent && !reply.skipped) {
      if (reply.model || reply.predictions) {
        const predictions = reply.predictions?.map((rows) => createMatrix(rows.rows, rows.cols, rows.data));
        sent.entry.pending.resolve({ model: reply.model, predictions, backend: reply.backend ?? 'unknown', schemaOmitted: reply.schemaOmitted });
      }
      else sent.entry.pending.reject(workerError(reply.error));
    }
    this.dispatch();
  }

  /** Takes `worker` out of the pool (its stop, if any, is the caller's). */
  private drop(worker: Worker): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
    this.assigned.delete(worker);
    this.described.delete(worker);
  }

  /**
   * A worker that ended on its own (a crash, an out-of-memory stop): the fit it trained fails, the
   * fits sent ahead to it go back to the queue, it leaves the pool, and the next fit starts another.
   * (Stopped by `close` or a cancel, it has left already.)
   */
  private lost(worker: Worker, why: string): void {
    const assigned = this.assigned.get(worker);
    if (!assigned) return;
    this.requeueAhead(worker);
    const training = assigned.length > 0 ? this.sent.get(assigned[0]) : undefined;
    if (training) {
      this.sent.delete(assigned[0]);
      training.entry.pending.reject(new ThreatlabError('internal', `a training worker crashed: ${why}`));
    }
    this.drop(worker);
    this.dispatch();
  }
}

/**
 * Data sets up to this many bytes of rows are shared with the workers (copied once into shared
 * memory, for as long as the data set lives) when a training set names rows of them; a larger one
 * is gathered here, set by set.
 */
export const SHARE_SOURCES_UP_TO_BYTES = 128 << 20;

/** The data sets this process's pools have gathered whole for a worker once (see `selectionMessage`). */
const gatheredWhole = new WeakSet<Float64Array>();

/**
 * A selection of rows of float64 data sets as a message over shared copies of them; undefined when
 * it is not one (rows of a row source, a data set too large to share). A whole data set goes the
 * same way from its second training on (all its rows, selected): the first is gathered here as
 * before, so a data set trained once is not kept twice; one trained again and again (a target's
 * retrainings, a benchmark's rounds) is copied into shared memory once, and each worker gathers
 * it — not this thread, 31 MB a Fashion-MNIST shadow.
 */
function selectionMessage(data: TrainingData): SelectionMessage | undefined {
  if (!isRowSelection(data)) {
    const features = data.features.data;
    if (features.byteLength > SHARE_SOURCES_UP_TO_BYTES) return undefined;
    if (!gatheredWhole.has(features)) {
      gatheredWhole.add(features);
      return undefined;
    }
    const shared = sharedOnce(features);
    return selectionOf(data, [{ features: shared, labels: sharedOnce(data.labels), rows: Int32Array.from({ length: data.features.rows }, (_, k) => k), key: sharedKey(shared) }]);
  }
  const parts: SelectionMessage['parts'] = [];
  for (const { from, rows } of data.parts) {
    if (!('features' in from) || from.features.data.byteLength > SHARE_SOURCES_UP_TO_BYTES) return undefined;
    const shared = sharedOnce(from.features.data);
    parts.push({ features: shared, labels: sharedOnce(from.labels), rows: ownInt32Array(rows), key: sharedKey(shared) });
  }
  return selectionOf(data.parts[0].from as ClassificationDataset, parts);
}

const descriptionKeys = new WeakMap<ClassificationDataset, number>();
let nextDescriptionKey = 1;

/**
 * The rows as an Int32Array of a buffer of their own, as a message clones it: the caller's own
 * array where it is one (property inference's draws; a copy was another fresh 8 KB a shadow), else
 * a copy (a view of a larger buffer would clone the whole buffer; a plain array, every number).
 */
function ownInt32Array(rows: ArrayLike<number>): Int32Array {
  if (rows instanceof Int32Array && rows.byteOffset === 0 && rows.byteLength === rows.buffer.byteLength && !(rows.buffer instanceof SharedArrayBuffer)) return rows;
  return Int32Array.from(rows);
}

/** The message of `parts`, described by the data set `first` (keyed by that object: another object, even of the same schema, another key). */
function selectionOf(first: ClassificationDataset, parts: SelectionMessage['parts']): SelectionMessage {
  let likeKey = descriptionKeys.get(first);
  if (likeKey === undefined) descriptionKeys.set(first, (likeKey = nextDescriptionKey++));
  return { like: { name: first.name, classes: [...first.classes], schema: first.schema, targetName: first.targetName, image: first.image }, likeKey, cols: first.features.cols, parts };
}

/** The trainer's own error (a bad parameter stays a validation error); anything else is internal. */
function workerError(error: TrainingReply['error']): ThreatlabError {
  if (error && isErrorCode(error.code)) return new ThreatlabError(error.code, error.message);
  return new ThreatlabError('internal', `training on a worker thread failed: ${error?.message ?? 'no reply'}`);
}
