/**
 * Chooses and starts the tensor backend. wasm (XNNPACK) is ~40× faster than the pure-JS `cpu`
 * backend, but a failed wasm start silently leaves tfjs on `cpu`, so we check `tf.getBackend()`
 * and report which backend is really running. The wasm binary ships in the npm package.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ThreatlabError } from '../errors.ts';
import { tf } from './tf.ts';
import { applyWasmFixes } from './wasm-fixes.ts';

/** A backend threatlab trains on. */
export type BackendName = 'wasm' | 'cpu';

/** Which backend is running, and why when it is not the one asked for. */
export interface BackendStatus {
  backend: BackendName;
  fallbackReason?: string;
}

let started: Promise<BackendStatus> | undefined;
let startedWith: BackendName | undefined;

function silenceCpuGreeting(): void {
  // tfjs-backend-cpu prints an advertisement for tfjs-node on first use in Node.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

type ProcessListeners = { uncaughtException: unknown[]; unhandledRejection: unknown[] };

function processListeners(): ProcessListeners {
  return { uncaughtException: process.listeners('uncaughtException'), unhandledRejection: process.listeners('unhandledRejection') };
}

/**
 * Removes the process listeners added since `before`. The wasm backend's Emscripten glue adds two
 * that rethrow whatever reaches them (tfjs removes them only when the backend is disposed): every
 * later uncaught error or unhandled rejection was then thrown again from inside the glue's one
 * minified line, and Node printed that line — 38 KB of minified source — above the error itself.
 * Without them an uncaught error is reported as Node reports it, from where it was thrown.
 */
function removeListenersSince(before: ProcessListeners): void {
  for (const listener of process.listeners('uncaughtException')) if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
  for (const listener of process.listeners('unhandledRejection')) if (!before.unhandledRejection.includes(listener)) process.removeListener('unhandledRejection', listener);
}

async function start(preferred: BackendName): Promise<BackendStatus> {
  if (preferred === 'wasm') {
    const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${dist}/`);
    applyWasmFixes();
    let reason: string;
    const before = processListeners();
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        if (tf.getBackend() === 'wasm') return { backend: 'wasm' };
      }
      reason = `tf.getBackend() is "${tf.getBackend()}" after asking for wasm`;
    } catch (error) {
      reason = (error as Error).message;
    } finally {
      // Also when the module loaded and then failed: its glue's listeners are added as it loads.
      removeListenersSince(before);
    }
    await tf.setBackend('cpu');
    silenceCpuGreeting();
    return { backend: 'cpu', fallbackReason: `the wasm backend did not start (${reason}); running on cpu, about 40× slower` };
  }
  await tf.setBackend('cpu');
  await tf.ready();
  silenceCpuGreeting();
  if (tf.getBackend() !== 'cpu') throw new ThreatlabError('internal', `could not start the cpu backend (running "${tf.getBackend()}")`);
  return { backend: 'cpu' };
}

/** Starts the backend once per process (wasm by default, or THREATLAB_BACKEND). */
export function initBackend(preferred: BackendName = (process.env.THREATLAB_BACKEND as BackendName) || 'wasm'): Promise<BackendStatus> {
  if (preferred !== 'wasm' && preferred !== 'cpu') {
    throw new ThreatlabError('validation', `unknown backend "${String(preferred)}"; use wasm or cpu`);
  }
  if (!started || startedWith !== preferred) {
    startedWith = preferred;
    started = start(preferred);
  }
  return started;
}

/** Switches backend in this process (tests compare wasm against cpu). */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend('wasm');
  await tf.setBackend(name);
  await tf.ready();
  silenceCpuGreeting();
  if (tf.getBackend() !== name) throw new ThreatlabError('internal', `backend "${name}" is not running (got "${tf.getBackend()}")`);
}
