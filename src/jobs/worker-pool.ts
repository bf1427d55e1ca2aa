/**
 * A pool of worker threads that runs heavy work off the request thread, each task within a time
 * limit and each worker within a JavaScript heap limit. A task past its time is stopped by
 * terminating its worker (a fresh one takes its place); a worker that runs out of memory fails
 * its task with the limit it hit; a full queue refuses new tasks at once instead of letting them
 * wait without bound. Workers start on first use and do not keep the process alive when idle.
 */

import type { Worker } from 'node:worker_threads';
import { ThreatlabError } from '../errors.ts';
import type { WorkerReply, WorkerTask } from './messages.ts';
import type { TaskRunner } from './task-runner.ts';
import { startWorker, stopWorker } from '../parallel/native-guard.ts';

/** Settings of a pool. */
export interface WorkerPoolOptions {
  /** What the pool is for, in errors ("training", "prediction"). */
  name: string;
  size: number;
  /** JavaScript heap of each worker, MiB. */
  memoryMb: number;
  /** Tasks waiting for a worker at most. */
  maxQueued: number;
}

/** Per-task settings. */
export interface RunOptions {
  /** Wall time from the task's start on a worker, ms. */
  timeoutMs: number;
  /** The limit's name and value, for the error when the time runs out. */
  timeoutLimit: string;
  onProgress?: (fraction: number) => void;
  /** Called when the task leaves the queue for a worker. */
  onStart?: () => void;
  /** Called with the task's id on a cluster's queue once it is there (a restarted server finds it by that id). */
  onQueued?: (remoteId: string) => void;
  /** Buffers moved (not copied) to the worker with the task. */
  transfer?: ArrayBuffer[];
  /** Cancels the task: a queued one leaves the queue, a running one's worker is stopped; it fails with `cancelled`. */
  signal?: AbortSignal;
}

interface Pending {
  task: WorkerTask;
  options: RunOptions;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its code (a task's time counts from its start on a ready worker). */
  ready: boolean;
  current?: Pending;
  timer?: NodeJS.Timeout;
}

const ENTRY = new URL('./compute-worker.mjs', import.meta.url);

function cancelled(name: string): ThreatlabError {
  return new ThreatlabError('cancelled', `the ${name} task was cancelled`);
}

/** Worker threads with limits. */
export class WorkerPool implements TaskRunner {
  private readonly options: WorkerPoolOptions;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(options: WorkerPoolOptions) {
    this.options = options;
  }

  /** Tasks queued and running. */
  get load(): { queued: number; running: number } {
    return { queued: this.queue.length, running: this.slots.filter((slot) => slot.current).length };
  }

  /** Runs a task on a worker; rejects with `overloaded` when the queue is full. */
  run<T>(task: WorkerTask, options: RunOptions): Promise<T> {
    if (this.closed) return Promise.reject(new ThreatlabError('overloaded', `the ${this.options.name} workers are shutting down; retry on the restarted server`));
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new ThreatlabError('overloaded', `${this.queue.length} ${this.options.name} tasks are waiting already (maxQueued); retry in a few seconds`));
    }
    if (options.signal?.aborted) return Promise.reject(cancelled(this.options.name));
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { task, options, resolve: resolve as (value: unknown) => void, reject };
      this.queue.push(pending);
      options.signal?.addEventListener('abort', () => this.cancel(pending), { once: true });
      this.dispatch();
    });
  }

  /** Stops one task: out of the queue, or its worker terminated (a fresh one takes its place). */
  private cancel(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      pending.reject(cancelled(this.options.name));
      return;
    }
    const slot = this.slots.find((candidate) => candidate.current === pending);
    if (slot) this.replace(slot, cancelled(this.options.name));
  }

  /** Stops every worker; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new ThreatlabError('overloaded', `the server stopped before this ${this.options.name} task ran`));
    await Promise.all(
      this.slots.map(async (slot) => {
        this.finish(slot)?.reject(new ThreatlabError('overloaded', `the server stopped during this ${this.options.name} task`));
        await stopWorker(slot.worker);
      }),
    );
    this.slots.length = 0;
  }

  private spawn(): Slot {
    const worker = startWorker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb } });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (error: Error & { code?: string }) => {
      if (!slot.ready) {
        // A worker that cannot start would fail again: the waiting tasks fail instead of respawning it.
        this.slots.splice(this.slots.indexOf(slot), 1);
        for (const pending of this.queue.splice(0)) pending.reject(new ThreatlabError('internal', `a ${this.options.name} worker could not start: ${error.message}`));
        return;
      }
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(
        slot,
        memory
          ? new ThreatlabError('limit-exceeded', `the ${this.options.name} task ran out of its ${this.options.memoryMb} MiB of memory (jobMemoryMb); use a smaller model or fewer rows`)
          : new ThreatlabError('internal', `a ${this.options.name} worker failed: ${error.message}`),
      );
    });
    worker.on('exit', () => {
      if (slot.current && this.slots.includes(slot)) this.replace(slot, new ThreatlabError('internal', `a ${this.options.name} worker stopped during its task`));
    });
    // Referenced until it is ready and idle: a task waiting for it keeps the process alive.
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((candidate) => candidate.ready && !candidate.current);
      if (!slot) {
        if (this.slots.length < this.options.size) this.spawn();
        return;
      }
      const pending = this.queue.shift()!;
      slot.current = pending;
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        const seconds = pending.options.timeoutMs / 1000;
        this.replace(slot, new ThreatlabError('limit-exceeded', `the ${this.options.name} task ran past this server's limit of ${seconds} s (${pending.options.timeoutLimit}) and was stopped; ask for less work`));
      }, pending.options.timeoutMs);
      pending.options.onStart?.();
      slot.worker.postMessage(pending.task, pending.options.transfer);
    }
  }

  private finish(slot: Slot): Pending | undefined {
    const pending = slot.current;
    clearTimeout(slot.timer);
    slot.current = undefined;
    slot.timer = undefined;
    slot.worker.unref();
    return pending;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (reply.type === 'ready') {
      slot.ready = true;
      this.dispatch();
      if (!slot.current) slot.worker.unref();
      return;
    }
    if (reply.type === 'progress') {
      slot.current?.options.onProgress?.(reply.fraction);
      return;
    }
    const pending = this.finish(slot);
    if (pending) {
      if (reply.type === 'done') pending.resolve(reply.result);
      else pending.reject(new ThreatlabError(reply.error.code as ThreatlabError['code'], reply.error.message));
    }
    this.dispatch();
  }

  /** Fails the slot's task, terminates its worker, and starts queued work on a fresh one. */
  private replace(slot: Slot, error: ThreatlabError): void {
    const pending = this.finish(slot);
    this.slots.splice(this.slots.indexOf(slot), 1);
    void stopWorker(slot.worker);
    pending?.reject(error);
    if (!this.closed) this.dispatch();
  }
}
