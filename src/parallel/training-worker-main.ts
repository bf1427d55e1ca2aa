/** The worker side of the training pool: fits one model per message, with its own backend. */

import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/setup.ts';
import { createTrainer } from '../models/registry.ts';
import { Rng } from '../random.ts';
import { datasetFromMessage, type TrainingRequest, type TrainingReply } from './messages.ts';

if (!parentPort) throw new Error('training-worker-main.ts runs only as a worker thread');
const port = parentPort;

port.on('message', async (request: TrainingRequest) => {
  try {
    const backend = await initBackend();
    const trainer = createTrainer(request.kind, request.params);
    const model = await trainer.fit(datasetFromMessage(request.data), new Rng(request.seed));
    const reply: TrainingReply = { id: request.id, model: model.toJSON(), backend: backend.backend };
    port.postMessage(reply);
  } catch (error) {
    const reply: TrainingReply = { id: request.id, error: { code: (error as { code?: string }).code ?? 'internal', message: (error as Error).message } };
    port.postMessage(reply);
  }
});
