/**
 * onnxruntime sessions run through onnxruntime-node's native binding, not its `InferenceSession`:
 * that class's `run` defers every call to a `setImmediate` (a turn of the event loop, and whatever
 * else is waiting in it) and checks and wraps its feeds and results in JavaScript each time, while
 * the native run it ends in is synchronous. An attack step makes one call a step — FGSM on 50
 * MNIST rows is one 0.25-ms call, PGD forty — so the wrapper was a fifth of the call: on the
 * MNIST MLP's gradient graph, 50 rows, 0.309 → 0.246 ms a call after other work, 0.254 → 0.212
 * back to back (the medians of 35 calls, the same outputs). The same native `loadModel` and `run`
 * with the same options, feeds and fetches: the same bits.
 *
 * The event loop still turns: a call that comes more than `TURN_MS` after the loop last turned
 * waits for one first, so a long attack in a loop of awaited calls lets timers, signals and
 * messages through as it did (a worker's cancel, the CLI's Ctrl-C, progress), without a turn a call.
 */

import * as ort from 'onnxruntime-node';
import { binding, initOrt } from 'onnxruntime-node/dist/binding.js';
import { ThreatlabError } from '../../../errors.ts';

/** The longest stretch of calls without a turn of the event loop, ms. */
const TURN_MS = 20;

type Fetches = Record<string, ort.Tensor | null>;

/** A session made and run through the native binding; `run` answers as `InferenceSession.run` does. */
export interface DirectSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph on `feeds` (every input named); `fetches` as output names, or names to tensors to write into (null: a new one). All outputs when not given. */
  run(feeds: Record<string, ort.Tensor>, fetches?: readonly string[] | Fetches): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

let made = 0;

/** How many sessions this thread has made (tests count them). */
export function directSessionsMade(): number {
  return made;
}

let lastTurn = performance.now();
let watching = false;

/** Notes the next turn of the event loop (once per turn, however many calls come before it). */
function watchForTurn(): void {
  if (watching) return;
  watching = true;
  setImmediate(() => {
    watching = false;
    lastTurn = performance.now();
  });
}

async function turnIfDue(): Promise<void> {
  if (performance.now() - lastTurn > TURN_MS) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    lastTurn = performance.now();
  }
  watchForTurn();
}

/**
 * A turn of the event loop now, the one a call would wait for once due: what waits in the loop
 * (timers, messages, and V8's own tasks — a scheduled collection of the young generation among
 * them) runs here, not inside the calls that follow. A caller that times its calls (an attack's
 * steps) takes it before its timer starts.
 */
export async function turnEventLoop(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}

/**
 * `createDirectSession`, then a turn of the event loop, as `InferenceSession.create` takes one:
 * what waits in the loop runs while the session is made, not in the first call after it (without
 * this turn, the first FGSM call after a training read 0.69 ms an example against 0.11, in one
 * run of three).
 */
export async function openDirectSession(model: Uint8Array | string, options: ort.InferenceSession.SessionOptions = {}): Promise<DirectSession> {
  const session = createDirectSession(model, options);
  await turnEventLoop();
  return session;
}

/** A session of the model at `model` (its bytes, or a file path) with `options` — as `InferenceSession.create` makes it, synchronously. */
export function createDirectSession(model: Uint8Array | string, options: ort.InferenceSession.SessionOptions = {}): DirectSession {
  initOrt();
  made++;
  const native = new binding.InferenceSession();
  if (typeof model === 'string') native.loadModel(model, options);
  else native.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, options);
  const inputNames = native.inputMetadata.map((value) => value.name);
  const outputNames = native.outputMetadata.map((value) => value.name);
  const allOutputs = (): Fetches => Object.fromEntries(outputNames.map((name) => [name, null]));
  let released = false;
  return {
    inputNames,
    outputNames,
    async run(feeds, fetches) {
      if (released) throw new ThreatlabError('internal', 'an onnxruntime session was run after its release');
      for (const name of inputNames) {
        if (feeds[name] === undefined) throw new ThreatlabError('validation', `the onnxruntime session's input '${name}' is missing from its feeds (it takes ${inputNames.join(', ')})`);
      }
      let wanted: Fetches;
      if (fetches === undefined) wanted = allOutputs();
      else if (Array.isArray(fetches)) wanted = Object.fromEntries((fetches as readonly string[]).map((name) => [name, null]));
      else wanted = fetches as Fetches;
      for (const name of Object.keys(wanted)) {
        if (!outputNames.includes(name)) throw new ThreatlabError('validation', `the onnxruntime session has no output '${name}' (it gives ${outputNames.join(', ')})`);
      }
      await turnIfDue();
      const results = native.run(feeds, wanted, {});
      const outputs: Record<string, ort.Tensor> = {};
      for (const [name, value] of Object.entries(results)) {
        outputs[name] = value instanceof ort.Tensor ? value : new ort.Tensor((value as ort.Tensor).type, (value as ort.Tensor).data as Float32Array, (value as ort.Tensor).dims);
      }
      return outputs;
    },
    async release() {
      if (released) return;
      released = true;
      native.dispose();
    },
  };
}
