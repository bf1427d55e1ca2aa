/**
 * Stopping a worker thread that may be inside onnxruntime. `Worker.terminate()` during a native
 * call aborts the whole process: the call returns into a terminating environment and
 * onnxruntime-node throws a C++ exception there ("terminate called after throwing an instance of
 * 'Napi::Error'"). So a worker marks its native calls in a cell of shared memory, and the pools
 * stop a worker only outside them: a stop that arrives during a call waits for its end (a
 * training step: milliseconds), and no call starts once a stop has begun.
 *
 * A worker is also stopped only once it has started: loading onnxruntime-node is native work too,
 * and a worker terminated while its modules load aborts the process the same way (reproduced: of
 * 140 workers terminated 60–130 ms after their start, while the binding loaded, one aborted the
 * process in two runs of three). The audit of a tree hit it: its pool trained one shadow tree (a
 * few milliseconds) on one worker and was closed while the other was still loading. A worker's
 * cell starts as in a native call, and the worker ends that call (`workerStarted`) when its entry
 * module has loaded.
 *
 * Cell states: idle, in a native call (or starting), stopped, in a native call with a stop waiting.
 * A second cell says whether the worker has started (`untilStarted`).
 */

import { Worker, workerData, type WorkerOptions } from 'node:worker_threads';
import { ThreatlabError } from '../errors.ts';

const IDLE = 0;
const NATIVE = 1;
const STOPPED = 2;
const STOP_WAITING = 3;

/** The cell of the start (0: loading its modules, 1: started). */
const STARTED_CELL = 1;

const cells = new WeakMap<Worker, Int32Array>();
const exitedWorkers = new WeakSet<Worker>();

/** `Atomics.waitAsync` (Node 16+; not yet in TypeScript's lib for this target). */
const waitAsync = (Atomics as unknown as { waitAsync(cell: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

function exited(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/** This thread's cell, when it is a worker started by `startWorker`. */
const ownCell: Int32Array | undefined = (workerData as { nativeGuard?: SharedArrayBuffer } | null)?.nativeGuard ? new Int32Array((workerData as { nativeGuard: SharedArrayBuffer }).nativeGuard) : undefined;

/** A worker thread that `stopWorker` can stop safely (its `workerData` carries the cell). */
export function startWorker(entry: URL, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const nativeGuard = new SharedArrayBuffer(8);
  const cell = new Int32Array(nativeGuard);
  // Starting: loading its modules, onnxruntime-node's binding among them, until `workerStarted`.
  cell[0] = NATIVE;
  const worker = new Worker(entry, { ...options, workerData: { nativeGuard } });
  cells.set(worker, cell);
  worker.once('exit', () => exitedWorkers.add(worker));
  return worker;
}

/** Says this worker has loaded its modules (the last line of a worker's entry module): from now on `stopWorker` may stop it between native calls. */
export function workerStarted(): void {
  if (!ownCell) return;
  Atomics.store(ownCell, STARTED_CELL, 1);
  Atomics.notify(ownCell, STARTED_CELL);
  endNativeCall(ownCell);
}

/** Resolves once `worker` has loaded its modules (`workerStarted`), or has exited (at once for a worker not started by `startWorker`). */
export async function untilStarted(worker: Worker): Promise<void> {
  const cell = cells.get(worker);
  if (!cell || exitedWorkers.has(worker)) return;
  await waitWhile(worker, cell, STARTED_CELL, 0);
}

/**
 * Waits while `cell[index]` holds `value`, or until `worker` exits (a worker that died never
 * changes it). The wait keeps the process up — `Atomics.waitAsync` does not, and a process that
 * ended meanwhile would terminate the worker where it is — without touching the worker's ref.
 */
async function waitWhile(worker: Worker, cell: Int32Array, index: number, value: number): Promise<void> {
  const waiting = waitAsync(cell, index, value);
  if (!waiting.async) return;
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await Promise.race([waiting.value, exited(worker)]);
  } finally {
    clearInterval(keepAlive);
  }
}

/** Leaves the native call (or the start) `cell` is in, handing the thread over to a stop that waits. */
function endNativeCall(cell: Int32Array): void {
  if (Atomics.compareExchange(cell, 0, NATIVE, IDLE) !== NATIVE) {
    Atomics.store(cell, 0, STOPPED);
    Atomics.notify(cell, 0);
  }
}

/** Runs a native call (an onnxruntime run) so that a stop cannot land inside it; once a stop has begun it fails with `cancelled`. */
export async function nativeCall<T>(call: () => Promise<T>): Promise<T> {
  const cell = ownCell;
  if (!cell) return call();
  if (Atomics.compareExchange(cell, 0, IDLE, NATIVE) !== IDLE) throw new ThreatlabError('cancelled', 'this worker is stopping; the work was cancelled');
  try {
    return await call();
  } finally {
    endNativeCall(cell);
  }
}

/** Terminates `worker` once it has started and is outside any native call (at once for a worker not started by `startWorker`). */
export async function stopWorker(worker: Worker): Promise<number> {
  const cell = cells.get(worker);
  while (cell) {
    const state = Atomics.compareExchange(cell, 0, IDLE, STOPPED);
    if (state === IDLE || state === STOPPED) break;
    if (state === NATIVE && Atomics.compareExchange(cell, 0, NATIVE, STOP_WAITING) !== NATIVE) continue;
    await waitWhile(worker, cell, 0, STOP_WAITING);
    if (exitedWorkers.has(worker)) break;
  }
  return worker.terminate();
}
