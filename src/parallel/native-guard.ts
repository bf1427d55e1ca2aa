/**
 * Stopping a worker thread that may be inside onnxruntime. `Worker.terminate()` during a native
 * call aborts the whole process: the call returns into a terminating environment and
 * onnxruntime-node throws a C++ exception there ("terminate called after throwing an instance of
 * 'Napi::Error'"). So a worker marks its native calls in a cell of shared memory, and the pools
 * stop a worker only outside them: a stop that arrives during a call waits for its end (a
 * training step: milliseconds), and no call starts once a stop has begun.
 *
 * Cell states: idle, in a native call, stopped, in a native call with a stop waiting.
 */

import { Worker, workerData, type WorkerOptions } from 'node:worker_threads';
import { ThreatlabError } from '../errors.ts';

const IDLE = 0;
const NATIVE = 1;
const STOPPED = 2;
const STOP_WAITING = 3;

const cells = new WeakMap<Worker, Int32Array>();
const exitedWorkers = new WeakSet<Worker>();

function exited(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/** This thread's cell, when it is a worker started by `startWorker`. */
const ownCell: Int32Array | undefined = (workerData as { nativeGuard?: SharedArrayBuffer } | null)?.nativeGuard ? new Int32Array((workerData as { nativeGuard: SharedArrayBuffer }).nativeGuard) : undefined;

/** A worker thread that `stopWorker` can stop safely (its `workerData` carries the cell). */
export function startWorker(entry: URL, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const nativeGuard = new SharedArrayBuffer(4);
  const worker = new Worker(entry, { ...options, workerData: { nativeGuard } });
  cells.set(worker, new Int32Array(nativeGuard));
  worker.once('exit', () => exitedWorkers.add(worker));
  return worker;
}

/** Runs a native call (an onnxruntime run) so that a stop cannot land inside it; once a stop has begun it fails with `cancelled`. */
export async function nativeCall<T>(call: () => Promise<T>): Promise<T> {
  const cell = ownCell;
  if (!cell) return call();
  if (Atomics.compareExchange(cell, 0, IDLE, NATIVE) !== IDLE) throw new ThreatlabError('cancelled', 'this worker is stopping; the work was cancelled');
  try {
    return await call();
  } finally {
    if (Atomics.compareExchange(cell, 0, NATIVE, IDLE) !== NATIVE) {
      Atomics.store(cell, 0, STOPPED);
      Atomics.notify(cell, 0);
    }
  }
}

/** Terminates `worker` once it is outside any native call (at once for a worker not started by `startWorker`). */
export async function stopWorker(worker: Worker): Promise<number> {
  const cell = cells.get(worker);
  while (cell) {
    const state = Atomics.compareExchange(cell, 0, IDLE, STOPPED);
    if (state === IDLE || state === STOPPED) break;
    if (state === NATIVE && Atomics.compareExchange(cell, 0, NATIVE, STOP_WAITING) !== NATIVE) continue;
    const waiting = (Atomics as unknown as { waitAsync(cell: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync(cell, 0, STOP_WAITING);
    // A worker that died inside the call never clears it: its exit ends the wait.
    if (waiting.async) await Promise.race([waiting.value, exited(worker)]);
    if (exitedWorkers.has(worker)) break;
  }
  return worker.terminate();
}
