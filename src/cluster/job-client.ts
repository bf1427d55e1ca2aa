/**
 * The submitting side of a BullMQ queue, shared by the training service and the server's job
 * runner: add a job under an id of ours, hear when it starts, how far it is, and how it ended.
 * Events are a Redis stream read from where this client joined; a poll every few seconds catches
 * a job whose event was missed (the client reconnecting to a restarted Redis). A failed attempt
 * that BullMQ will retry is not an end.
 */

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Job, Queue, QueueEvents } from 'bullmq';
import { isErrorCode, ThreatlabError } from '../errors.ts';
import { BlobWriter } from './blob-store.ts';
import { CANCEL_CHANNEL, CANCEL_TTL_S, cancelKey, connectionOptions, connectRedis, KEY_PREFIX } from './redis.ts';

/** Tries of one job (a crash or a lost worker counts; a job's own error does not retry). */
export const JOB_ATTEMPTS = 3;

/** What a client's jobs cost and where they ran. */
export interface ClusterStats {
  submitted: number;
  completed: number;
  failed: number;
  /** Jobs that needed more than one start (a worker died, or the job failed and was retried). */
  restarted: number;
  /** Jobs per worker process (host:pid). */
  workers: Record<string, number>;
  /** Bytes sent to Redis (data sets, uploads). */
  uploadedBytes: number;
}

/** Hooks of one job. */
export interface JobHooks {
  /** The job is on the queue, under this id. */
  onQueued?: (id: string) => void;
  onActive?: () => void;
  onProgress?: (fraction: number) => void;
}

interface Pending<R> extends JobHooks {
  resolve: (result: R) => void;
  reject: (error: Error) => void;
  active: boolean;
}

/** A queue's submitting side. Results carry `worker` (host:pid of the process that made them). */
export class JobClient<J, R extends { worker: string }> {
  readonly url: string;
  readonly blobs: BlobWriter;
  /** Prefix of this client's job ids. */
  readonly client = randomUUID();
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly pending = new Map<string, Pending<R>>();
  private readonly stats: Omit<ClusterStats, 'uploadedBytes'> = { submitted: 0, completed: 0, failed: 0, restarted: 0, workers: {} };
  private readonly poller: NodeJS.Timeout;
  private nextId = 0;
  /** The shutdown, once begun (a second `close` waits for the first). */
  private closing?: Promise<void>;

  private constructor(url: string, redis: Redis, queue: Queue, events: QueueEvents) {
    this.url = url;
    this.redis = redis;
    this.queue = queue;
    this.events = events;
    this.blobs = new BlobWriter(redis);
    events.on('active', ({ jobId }) => this.activate(jobId));
    events.on('progress', ({ jobId, data }) => {
      const pending = this.pending.get(jobId);
      if (pending && typeof data === 'number') pending.onProgress?.(data);
    });
    events.on('completed', ({ jobId, returnvalue }) => void this.completed(jobId, returnvalue as unknown));
    events.on('failed', ({ jobId }) => void this.settle(jobId));
    this.poller = setInterval(() => void this.pollAll(), 5000);
    this.poller.unref();
  }

  /** Connects to queue `name` at `url` (fails at once with the fix when no Redis answers). */
  static async open<J, R extends { worker: string }>(url: string, name: string): Promise<JobClient<J, R>> {
    const redis = await connectRedis(url);
    const connection = connectionOptions(url);
    const queue = new Queue(name, { connection, prefix: KEY_PREFIX });
    const events = new QueueEvents(name, { connection, prefix: KEY_PREFIX });
    queue.on('error', () => {});
    events.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new JobClient<J, R>(url, redis, queue, events);
  }

  /** Jobs submitted and not ended: waiting, and started. */
  get load(): { queued: number; running: number } {
    let running = 0;
    for (const pending of this.pending.values()) if (pending.active) running++;
    return { queued: this.pending.size - running, running };
  }

  /**
   * Adds a job and waits for its end: the worker's result, or its error as ours. `signal` cancels
   * it: it fails at once with `cancelled`, leaves the queue if it has not started, and the worker
   * that runs it stops it.
   */
  async submit(name: string, data: J, hooks: JobHooks = {}, signal?: AbortSignal): Promise<R> {
    if (signal?.aborted) throw new ThreatlabError('cancelled', `the ${name} job was cancelled before it was queued`);
    const id = `${this.client}-${this.nextId++}`;
    const result = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve, reject, active: false, ...hooks }));
    signal?.addEventListener('abort', () => void this.cancel(id, `the ${name} job was cancelled`), { once: true });
    this.poller.ref(); // the process stays up while jobs are out, as it does for worker threads
    await this.queue.add(name, data, {
      jobId: id,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.stats.submitted++;
    hooks.onQueued?.(id);
    return result;
  }

  /** Follows job `id`, added by an earlier client (a server before its restart), to its end. */
  attach(id: string, hooks: JobHooks = {}, signal?: AbortSignal): Promise<R> {
    const result = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve, reject, active: false, ...hooks }));
    signal?.addEventListener('abort', () => void this.cancel(id, `job ${id} was cancelled`), { once: true });
    this.poller.ref();
    void this.settle(id);
    return result;
  }

  /** The bytes at `key` (a job's result), deleted as they are read; null when none are there. */
  async take(key: string): Promise<Buffer | null> {
    const replies = await this.redis.multi().getBuffer(key).del(key).exec();
    const [error, bytes] = replies?.[0] ?? [new Error('the transaction was discarded'), null];
    if (error) throw new ThreatlabError('unavailable', `Redis did not give ${key}: ${error.message}; run again`);
    return (bytes as Buffer | null) ?? null;
  }

  /** What this client's jobs cost and where they ran so far. */
  statistics(): ClusterStats {
    return { ...this.stats, workers: { ...this.stats.workers }, uploadedBytes: this.blobs.uploadedBytes };
  }

  /**
   * Cancels job `id`: marks it cancelled (a worker that takes it later skips it), tells the worker
   * that runs it to stop, removes it from the queue if it waits, and fails it here with `cancelled`.
   */
  async cancel(id: string, message: string): Promise<void> {
    await this.cancelAll([id], message);
  }

  /**
   * Cancels jobs together: every mark is set and every waiting job removed before any worker is
   * told to stop, so a worker freed by one stop cannot start another of them meanwhile.
   */
  private async cancelAll(ids: string[], message: string): Promise<void> {
    const pending = ids.map((id) => this.finish(id));
    await Promise.all(ids.map((id) => this.redis.set(cancelKey(id), '1', 'EX', CANCEL_TTL_S).catch(() => undefined)));
    await Promise.all(ids.map((id) => this.queue.remove(id).catch(() => 0)));
    await Promise.all(ids.map((id) => this.redis.publish(CANCEL_CHANNEL, id).catch(() => 0)));
    // Only now: a caller woken by the rejection may close this client (and its connection).
    for (const entry of pending) entry?.reject(new ThreatlabError('cancelled', message));
  }

  /**
   * Disconnects. `cancel` (the default): cancels this client's jobs not ended first (nobody would
   * hear their results); without it they run on, for a client that attaches to them later, and
   * their promises here never settle (a server shutting down must not record them as failed).
   */
  close(options: { cancel?: boolean } = {}): Promise<void> {
    this.closing ??= this.shutDown(options.cancel ?? true);
    return this.closing;
  }

  private async shutDown(cancel: boolean): Promise<void> {
    clearInterval(this.poller);
    if (cancel) await this.cancelAll([...this.pending.keys()], 'the job was withdrawn: its client closed before it finished');
    this.pending.clear();
    await Promise.all([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  private activate(id: string): void {
    const pending = this.pending.get(id);
    if (!pending || pending.active) return;
    pending.active = true;
    pending.onActive?.();
  }

  /**
   * A job's end as its completed event tells it: the result is the event's, and of the job's record
   * only its count of starts is read — not the whole job again (its data: a LiRA shadow's 40 KB of
   * row lists, parsed once more for every job). An event without a result goes the long way.
   */
  private async completed(id: string, result: unknown): Promise<void> {
    if (!this.pending.has(id)) return;
    if (result === null || typeof result !== 'object') return this.settle(id);
    const starts = Number((await this.redis.hget(this.queue.toKey(id), 'ats').catch(() => null)) ?? 1);
    const pending = this.finish(id);
    if (pending) this.succeed(pending, result as R, starts);
  }

  private succeed(pending: Pending<R>, result: R, starts: number): void {
    if (starts > 1) this.stats.restarted++;
    this.stats.completed++;
    this.stats.workers[result.worker] = (this.stats.workers[result.worker] ?? 0) + 1;
    pending.resolve(result);
  }

  private async pollAll(): Promise<void> {
    for (const id of [...this.pending.keys()]) await this.settle(id);
  }

  private async settle(id: string): Promise<void> {
    if (!this.pending.has(id)) return;
    const job = await Job.fromId<J, R>(this.queue, id).catch(() => undefined);
    if (!job) {
      this.finish(id)?.reject(new ThreatlabError('unavailable', `job ${id} is gone from the queue (removed by hand, or Redis lost it without an append-only file); run again`));
      return;
    }
    const state = await job.getState();
    if (state === 'active') this.activate(id);
    if (state !== 'completed' && state !== 'failed') return; // waiting, running, or a retry on its way
    const pending = this.finish(id);
    if (!pending) return;
    if (state === 'completed') this.succeed(pending, job.returnvalue, job.attemptsStarted ?? 1);
    else {
      if ((job.attemptsStarted ?? 1) > 1) this.stats.restarted++;
      this.stats.failed++;
      pending.reject(jobError(id, job.failedReason, job.attemptsMade));
    }
  }

  private finish(id: string): Pending<R> | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.poller.unref();
    return pending;
  }
}

/** A worker's failure as ours: it sends `code: message`. */
function jobError(id: string, reason: string, attempts: number): ThreatlabError {
  const match = /^([a-z-]+): ([\s\S]*)$/.exec(reason ?? '');
  if (match && isErrorCode(match[1]) && match[1] !== 'internal') return new ThreatlabError(match[1], match[2]);
  return new ThreatlabError('internal', `job ${id} failed after ${attempts} attempt(s): ${reason}`);
}
