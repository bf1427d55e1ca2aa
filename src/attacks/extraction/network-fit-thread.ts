/**
 * The float64 network fit of `mlp-retraining` (network-fit.ts; Tramèr et al. 2016, §4.1.3) on a
 * worker thread of its own, so the thread that queries the target stays free: an audit fits the
 * copies of its policies side by side, one a core (the full audit of the scikit-learn Adult MLP
 * spends ~30 of its ~37 s in two such fits). The worker runs the same code on the same numbers
 * from the same random stream, so the layers are those of `fitNetworkToProbabilities`, bit for bit
 * (tested), and the caller's generator is left where that fit leaves it.
 */

import { isErrorCode, ThreatlabError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { DenseLayer } from '../../models/neural/dense-network.ts';
import { startWorker, stopWorker } from '../../parallel/native-guard.ts';
import { fitNetworkToProbabilities, type NetworkFitOptions, type NetworkFitResult } from './network-fit.ts';

/** What the worker fits: the rows, the answers and the options without their callbacks, and where the random stream stands. */
export interface NetworkFitRequest {
  x: { rows: number; cols: number; data: Float64Array };
  observed: { rows: number; cols: number; data: Float64Array };
  options: Omit<NetworkFitOptions, 'rng' | 'onStart' | 'onCheckpoint' | 'onIteration' | 'onProgress'>;
  rngState: Uint32Array;
  /** Which events the caller listens for. */
  events: { starts: boolean; checkpoints: boolean; progress: boolean };
}

/** What the worker posts back: each start's end, progress and checkpoint as asked, then the result (or the error). */
export type NetworkFitMessage =
  | { type: 'start'; start: number; loss: number }
  | { type: 'progress'; iterations: number }
  | { type: 'checkpoint'; layers: DenseLayer[]; loss: number }
  | { type: 'done'; result: NetworkFitResult; rngState: Uint32Array }
  | { type: 'error'; code: string; message: string };

const ENTRY = new URL('./network-fit-worker.mjs', import.meta.url);

/**
 * `fitNetworkToProbabilities` on a new worker thread (its start: ~0.2 s). `onIteration` is called
 * on every iteration, which a thread would have to post: a caller that passes it fits here.
 * `signal` stops the fit: its thread is terminated and the call fails with `cancelled`.
 */
export async function fitNetworkOffThread(x: Matrix, observed: Matrix, options: NetworkFitOptions, signal?: AbortSignal): Promise<NetworkFitResult> {
  if (options.onIteration) return fitNetworkToProbabilities(x, observed, options);
  const cancelled = () => new ThreatlabError('cancelled', 'the network fit was stopped (another part of the run failed, or its caller stopped it)');
  if (signal?.aborted) throw cancelled();
  const { rng, onStart, onCheckpoint, onProgress, onIteration: _onIteration, ...plain } = options;
  const request: NetworkFitRequest = {
    // Copies: the caller keeps its rows.
    x: { rows: x.rows, cols: x.cols, data: x.data.slice() },
    observed: { rows: observed.rows, cols: observed.cols, data: observed.data.slice() },
    options: plain,
    rngState: rng.state(),
    events: { starts: Boolean(onStart), checkpoints: Boolean(onCheckpoint), progress: Boolean(onProgress) },
  };
  const worker = startWorker(ENTRY);
  try {
    return await new Promise<NetworkFitResult>((resolve, reject) => {
      worker.on('message', (message: NetworkFitMessage) => {
        try {
          if (message.type === 'start') onStart?.(message.start, message.loss);
          else if (message.type === 'progress') onProgress?.(message.iterations);
          else if (message.type === 'checkpoint') onCheckpoint?.(message.layers, message.loss);
          else if (message.type === 'error') reject(new ThreatlabError(isErrorCode(message.code) ? message.code : 'internal', message.message));
          else {
            rng.setState(message.rngState);
            resolve(message.result);
          }
        } catch (error) {
          // A callback that throws (a checkpoint that cannot be written) ends the fit, as it would in this thread.
          reject(error);
        }
      });
      signal?.addEventListener('abort', () => reject(cancelled()), { once: true });
      worker.once('error', (error) => reject(new ThreatlabError('internal', `the network fit's worker thread failed: ${error.message}`)));
      worker.once('exit', (code) => reject(new ThreatlabError('internal', `the network fit's worker thread stopped (exit code ${code}) before it answered`)));
      worker.postMessage(request, [request.x.data.buffer as ArrayBuffer, request.observed.data.buffer as ArrayBuffer]);
    });
  } finally {
    await stopWorker(worker);
  }
}

/** The matrix a request's rows describe (the worker's side). */
export function requestMatrix(part: NetworkFitRequest['x']): Matrix {
  return createMatrix(part.rows, part.cols, part.data);
}
