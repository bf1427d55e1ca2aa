/** The worker side of `fitNetworkOffThread`: one fit, its events posted as asked, then its result or its error. */

import { parentPort } from 'node:worker_threads';
import { workerStarted } from '../../parallel/native-guard.ts';
import { Rng } from '../../random.ts';
import { fitNetworkToProbabilities } from './network-fit.ts';
import { requestMatrix, type NetworkFitMessage, type NetworkFitRequest } from './network-fit-thread.ts';

if (!parentPort) throw new Error('network-fit-worker-main.ts runs only as a worker thread');
const port = parentPort;

port.once('message', (request: NetworkFitRequest) => {
  const post = (message: NetworkFitMessage) => port.postMessage(message);
  try {
    const rng = new Rng(0);
    rng.setState(request.rngState);
    const result = fitNetworkToProbabilities(requestMatrix(request.x), requestMatrix(request.observed), {
      ...request.options,
      rng,
      onStart: request.events.starts ? (start, loss) => post({ type: 'start', start, loss }) : undefined,
      onCheckpoint: request.events.checkpoints ? (layers, loss) => post({ type: 'checkpoint', layers, loss }) : undefined,
      onProgress: request.events.progress ? (iterations) => post({ type: 'progress', iterations }) : undefined,
    });
    port.postMessage({ type: 'done', result, rngState: rng.state() } satisfies NetworkFitMessage, [...new Set(result.layers.flatMap((layer) => [layer.weights.buffer as ArrayBuffer, layer.biases.buffer as ArrayBuffer]))]);
  } catch (error) {
    post({ type: 'error', code: (error as { code?: string }).code ?? 'internal', message: (error as Error).message ?? String(error) });
  }
});

workerStarted();
