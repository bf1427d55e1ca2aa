/** The worker side of the training pool: fits one model per message, with its own backend. */

import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/setup.ts';
import { createMatrix } from '../math/matrix.ts';
import { fitOutcome } from './fit.ts';
import { datasetFromMessage, type TrainingRequest, type TrainingReply } from './messages.ts';

if (!parentPort) throw new Error('training-worker-main.ts runs only as a worker thread');
const port = parentPort;

port.on('message', async (request: TrainingRequest) => {
  try {
    const backend = await initBackend();
    const on = request.predict?.map((rows) => createMatrix(rows.rows, rows.cols, rows.data));
    const { model, predictions } = await fitOutcome({ kind: request.kind, params: request.params }, datasetFromMessage(request.data), request.seed, on);
    const reply: TrainingReply = { id: request.id, model, predictions: predictions?.map(({ rows, cols, data }) => ({ rows, cols, data })), backend: backend.backend };
    port.postMessage(reply, [...new Set(predictions?.map((matrix) => matrix.data.buffer as ArrayBuffer))]);
  } catch (error) {
    const reply: TrainingReply = { id: request.id, error: { code: (error as { code?: string }).code ?? 'internal', message: (error as Error).message } };
    port.postMessage(reply);
  }
});
