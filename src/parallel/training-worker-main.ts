/** The worker side of the training pool: fits one model per message, one at a time in the order sent, with its own backend. */

import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend/setup.ts';
import { createMatrix } from '../math/matrix.ts';
import { fitOutcome } from './fit.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { datasetFromMessage, datasetFromSelection, describeSelection, isSelectionMessage, omitTrainingSchema, packWeights, WARM_START, type DatasetMessage, type SelectionMessage, type TrainingRequest, type TrainingReply, type TrainingSkip } from './messages.ts';
import type { DatasetDescription } from './training-set.ts';
import { workerStarted } from './native-guard.ts';
import { startOnnxRuntime } from '../models/neural/native/runtime-start.ts';

if (!parentPort) throw new Error('training-worker-main.ts runs only as a worker thread');
const port = parentPort;

/** Fits sent ahead and cancelled before their turn. */
const skipped = new Set<number>();

/**
 * The thread's start, which every fit waits for. A started pool's thread (`TrainingPool.start`: a
 * cluster worker process, a bench) makes its backend and starts onnxruntime first, so that its
 * first fit pays neither (~0.1 s). Then every module (onnxruntime-node's binding among them) has
 * loaded, and the pool may stop this thread between native calls (`workerStarted`).
 */
const started = (async () => {
  if (!process.argv.includes(WARM_START)) return;
  await initBackend();
  await startOnnxRuntime();
})()
  .catch(() => undefined) // a fit that needs what failed to start reports it
  .finally(workerStarted);

// One fit at a time, in the order sent: the pool sends the next fit ahead of the current one's end.
let turn = started;

/** The training sets' descriptions the pool has sent this thread, by key (`SelectionMessage.like`). */
const descriptions = new Map<number, DatasetDescription>();

/** A request whose training set, if named by rows, has its description filled in. */
type DescribedRequest = Omit<TrainingRequest, 'data'> & { data: DatasetMessage | (SelectionMessage & { like: DatasetDescription }) };

port.on('message', (message: TrainingRequest | TrainingSkip) => {
  if ('skip' in message) {
    skipped.add(message.skip);
    return;
  }
  // A fit that failed past its own catch (its reply could not be sent) still answers, and the next runs.
  const failed = (error: unknown) => port.postMessage({ id: message.id, error: { code: 'internal', message: (error as Error)?.message ?? String(error) } } satisfies TrainingReply);
  let request: DescribedRequest;
  try {
    // On arrival, in the order sent (a skipped fit's description is kept too): the pool counts on it.
    request = isSelectionMessage(message.data) ? { ...message, data: describeSelection(message.data, descriptions) } : (message as DescribedRequest);
  } catch (error) {
    failed(error);
    return;
  }
  turn = turn.then(() => (skipped.delete(request.id) ? skip(request) : fit(request))).catch(failed).catch(() => undefined);
});

/** The buffer a selection's rows are gathered into, kept for the next of the same size (a fit ends before the next starts; fresh pages cost ~10 µs each here). */
let gathered: Float64Array | undefined;

function trainingSet(data: DescribedRequest['data']): ClassificationDataset {
  if (!isSelectionMessage(data)) return datasetFromMessage(data);
  const values = data.cols * data.parts.reduce((sum, part) => sum + part.rows.length, 0);
  if (gathered?.length !== values) gathered = new Float64Array(values);
  return datasetFromSelection(data, gathered);
}

/** The request's own row buffer (a data set sent whole), to hand back. */
function rowBufferOf(request: DescribedRequest): ArrayBuffer[] {
  if (isSelectionMessage(request.data)) return [];
  const rows = request.data.features.buffer;
  return rows instanceof ArrayBuffer ? [rows] : [];
}

function skip(request: DescribedRequest): void {
  const [rows] = rowBufferOf(request);
  port.postMessage({ id: request.id, skipped: true, rows } satisfies TrainingReply, rows ? [rows] : []);
}

async function fit(request: DescribedRequest): Promise<void> {
  // Rows that came in a buffer of their own (transferred) go back with the reply for reuse.
  const handBack = rowBufferOf(request);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const backend = await initBackend();
    const on = request.predict?.map((rows) => createMatrix(rows.rows, rows.cols, rows.data));
    const dataset = trainingSet(request.data);
    const { model, predictions } = await fitOutcome({ kind: request.kind, params: request.params }, dataset, request.seed, on);
    const weights = model && request.packed ? packWeights(model) : [];
    const schemaOmitted = model && request.packed ? omitTrainingSchema(model, dataset.schema) : undefined;
    const reply: TrainingReply = { id: request.id, model, predictions: predictions?.map(({ rows, cols, data }) => ({ rows, cols, data })), backend: backend.backend, rows: handBack[0], seconds: seconds(), schemaOmitted };
    port.postMessage(reply, [...new Set([...(predictions?.map((matrix) => matrix.data.buffer as ArrayBuffer) ?? []), ...handBack, ...weights])]);
  } catch (error) {
    const reply: TrainingReply = { id: request.id, error: { code: (error as { code?: string }).code ?? 'internal', message: (error as Error).message }, rows: handBack[0], seconds: seconds() };
    port.postMessage(reply, handBack);
  }
}
