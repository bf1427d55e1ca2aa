/**
 * Training on `threatlab worker` processes through a BullMQ queue on Redis: the client side of
 * `--redis`. Each model is one job that names its data set by content hash and its rows by index
 * (a LiRA run sends its population once, then 64 lists of indices). Results are the models a
 * worker thread here would train, seed for seed: the same trainer on the same rows, values bit for
 * bit. BullMQ moves a job whose worker died back to the queue (its lock lapses) and retries a
 * failed one; a trainer's own error (a bad parameter) fails at once, not three times.
 */

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Job, Queue, QueueEvents } from 'bullmq';
import { rowOrigin, type ClassificationDataset } from '../data/dataset.ts';
import { isErrorCode, ThreatlabError } from '../errors.ts';
import { modelFromJson } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import type { TrainerSpec, TrainingService } from '../parallel/training-service.ts';
import { BlobWriter } from './blob-store.ts';
import { connectionOptions, connectRedis, KEY_PREFIX, TRAINING_QUEUE } from './redis.ts';
import { encodeRows, type RowsOf, type TrainJob, type TrainResult } from './training-jobs.ts';

/** Tries of one job (a crash or a lost worker counts; a validation error does not retry). */
export const JOB_ATTEMPTS = 3;

/** What this client's jobs cost and where they ran. */
export interface ClusterStats {
  submitted: number;
  completed: number;
  failed: number;
  /** Jobs that needed more than one start (a worker died, or the job failed and was retried). */
  restarted: number;
  /** Models per worker process (host:pid). */
  workers: Record<string, number>;
  /** Data-set bytes sent to Redis. */
  uploadedBytes: number;
}

interface Pending {
  resolve: (result: TrainResult) => void;
  reject: (error: Error) => void;
}

/** A `TrainingService` whose models are trained by `threatlab worker` processes. */
export class ClusterTrainingService implements TrainingService {
  /** Jobs this client keeps in flight: the queue decides where they run. */
  readonly size: number;
  readonly url: string;
  private readonly client = randomUUID();
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly blobs: BlobWriter;
  private readonly pending = new Map<string, Pending>();
  private readonly stats: Omit<ClusterStats, 'uploadedBytes'> = { submitted: 0, completed: 0, failed: 0, restarted: 0, workers: {} };
  private poller: NodeJS.Timeout | undefined;
  private nextId = 0;

  private constructor(url: string, redis: Redis, queue: Queue, events: QueueEvents, size: number) {
    this.url = url;
    this.redis = redis;
    this.queue = queue;
    this.events = events;
    this.size = size;
    this.blobs = new BlobWriter(redis);
    events.on('completed', ({ jobId }) => void this.settle(jobId));
    events.on('failed', ({ jobId }) => void this.settle(jobId));
  }

  /** Connects to the queue at `url` (fails at once with the fix when no Redis answers). */
  static async connect(url: string, options: { size?: number } = {}): Promise<ClusterTrainingService> {
    const redis = await connectRedis(url);
    const connection = connectionOptions(url);
    const queue = new Queue(TRAINING_QUEUE, { connection, prefix: KEY_PREFIX });
    const events = new QueueEvents(TRAINING_QUEUE, { connection, prefix: KEY_PREFIX });
    queue.on('error', () => {});
    events.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const service = new ClusterTrainingService(url, redis, queue, events, options.size ?? 2);
    // Events are a stream read from where this client joined; a poll catches a job whose event was
    // missed (the client reconnecting to a restarted Redis).
    service.poller = setInterval(() => void service.pollAll(), 5000);
    service.poller.unref();
    return service;
  }

  async train(spec: TrainerSpec, data: ClassificationDataset, seed: number): Promise<Classifier> {
    const job: TrainJob = { spec, seed, parts: await this.partsOf(data), count: data.features.rows, client: this.client };
    const id = `${this.client}-${this.nextId++}`;
    const result = new Promise<TrainResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.ref();
    await this.queue.add('train', job, {
      jobId: id,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.stats.submitted++;
    const { model, backend } = await result;
    if (backend !== 'wasm') throw new ThreatlabError('internal', `job ${id} was trained on the ${backend} backend, not wasm; update the worker`);
    return modelFromJson(model, `model from job ${id}`) as Classifier;
  }

  /** The data sets `data` is made of, sent once each, and its rows of them. */
  private async partsOf(data: ClassificationDataset): Promise<RowsOf[]> {
    const origin = rowOrigin(data);
    if (!origin) return [{ dataset: await this.blobs.put(data) }];
    return Promise.all(origin.parts.map(async (part) => ({ dataset: await this.blobs.put(part.source), rows: encodeRows(part.indices) })));
  }

  /** What this client's jobs cost and where they ran so far. */
  statistics(): ClusterStats {
    return { ...this.stats, workers: { ...this.stats.workers }, uploadedBytes: this.blobs.uploadedBytes };
  }

  /** Withdraws this client's jobs that have not started, and disconnects. */
  async close(): Promise<void> {
    clearInterval(this.poller);
    for (const [id, pending] of this.pending) {
      await this.queue.remove(id).catch(() => 0);
      pending.reject(new ThreatlabError('unavailable', `job ${id} was withdrawn: the client closed before it finished`));
    }
    this.pending.clear();
    await Promise.all([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  private ref(): void {
    // Keeps the process alive while jobs are out, as the thread pool's workers do.
    this.poller?.ref();
  }

  private async pollAll(): Promise<void> {
    for (const id of [...this.pending.keys()]) await this.settle(id);
  }

  private async settle(id: string): Promise<void> {
    const pending = this.pending.get(id);
    if (!pending) return;
    const job = await Job.fromId<TrainJob, TrainResult>(this.queue, id).catch(() => undefined);
    if (!job) {
      this.finish(id)?.reject(new ThreatlabError('unavailable', `job ${id} is gone from the queue (removed by hand, or Redis lost it without an append-only file); run again`));
      return;
    }
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return; // a retry is on its way
    if (!this.finish(id)) return;
    if ((job.attemptsStarted ?? 1) > 1) this.stats.restarted++;
    if (state === 'completed') {
      this.stats.completed++;
      const worker = job.returnvalue.worker;
      this.stats.workers[worker] = (this.stats.workers[worker] ?? 0) + 1;
      pending.resolve(job.returnvalue);
    } else {
      this.stats.failed++;
      pending.reject(jobError(id, job.failedReason, job.attemptsMade));
    }
  }

  private finish(id: string): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.poller?.unref();
    return pending;
  }
}

/** A worker's failure as ours: it sends `code: message`. */
function jobError(id: string, reason: string, attempts: number): ThreatlabError {
  const match = /^([a-z-]+): ([\s\S]*)$/.exec(reason ?? '');
  if (match && isErrorCode(match[1]) && match[1] !== 'internal') return new ThreatlabError(match[1], match[2]);
  return new ThreatlabError('internal', `job ${id} failed after ${attempts} attempt(s): ${reason}`);
}
