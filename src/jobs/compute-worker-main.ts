/**
 * The worker side of the server's compute pools: validates uploaded model files, answers large
 * predictions and trains models, so the request thread only parses, authorises, bills and
 * answers. Parsed models are kept by id, bounded by the bytes of their files.
 */

import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { LruCache } from '../api/lru-cache.ts';
import { initBackend } from '../backend/setup.ts';
import { countCsv } from '../data/loaders/csv-count.ts';
import type { Dataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { accuracy } from '../metrics/score.ts';
import { parseParamPairs } from '../models/params.ts';
import { createTrainer, modelFromJson } from '../models/registry.ts';
import { loadLayersModel } from '../models/neural/layers-format.ts';
import { modelDescription } from '../oracle/model-description.ts';
import { summarizeModel } from '../models/summary.ts';
import type { Model } from '../models/types.ts';
import { answerRows } from '../oracle/policy.ts';
import type { Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import type { LoadModelResult, LoadModelTask, PredictResult, PredictTask, TrainResult, TrainTask, WorkerReply, WorkerTask } from './messages.ts';
import { estimateParameters } from './parameters.ts';
import { runAuditTask } from './audit-task.ts';
import { splitServerDataset } from './server-split.ts';
import { workerStarted } from '../parallel/native-guard.ts';

if (!parentPort) throw new Error('compute-worker-main.ts runs only as a worker thread');
const port = parentPort;
lowerThreadPriority();
const models = new LruCache<string, Model>(256 << 20);

async function loadModel(task: LoadModelTask): Promise<LoadModelResult> {
  let value: unknown;
  try {
    value = JSON.parse(task.text);
  } catch {
    throw new ThreatlabError('parse-error', `${task.source} is not valid JSON; upload a model file written by threatlab train`);
  }
  const model = value && typeof value === 'object' && 'tfjs' in value ? await tfjsUpload(value as TfjsUpload, task.source) : modelFromJson(value, task.source);
  return { json: JSON.stringify(model.toJSON()), summary: summarizeModel(model) };
}

/** A tfjs LayersModel sent in one body: its model.json, its weight files in base64, and optionally a model description. */
interface TfjsUpload {
  tfjs: unknown;
  weights?: Record<string, string>;
  description?: unknown;
}

/** Writes the upload to a private folder, reads it as any tfjs model, and removes the folder. */
async function tfjsUpload(upload: TfjsUpload, source: string): Promise<Model> {
  const weights = upload.weights ?? {};
  for (const name of Object.keys(weights)) {
    if (!/^[\w.-]+$/.test(name) || name === 'model.json' || name.startsWith('.')) throw new ThreatlabError('validation', `${source}: weight file name "${name}" must be a plain file name`);
  }
  const description = upload.description === undefined ? undefined : modelDescription.safeParse(upload.description);
  if (description && !description.success) throw new ThreatlabError('validation', `${source}: "description" is not a model description (threatlab schema --description)`);
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-tfjs-upload-'));
  try {
    writeFileSync(join(folder, 'model.json'), JSON.stringify(upload.tfjs));
    for (const [name, base64] of Object.entries(weights)) writeFileSync(join(folder, name), Buffer.from(base64, 'base64'));
    const data = description?.data;
    return await loadLayersModel(join(folder, 'model.json'), data ? { classes: data.classes, schema: data.schema } : {});
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function predict(task: PredictTask): PredictResult {
  let model = models.get(task.modelId);
  if (!model) {
    if (task.json === undefined) return { missing: true };
    model = modelFromJson(JSON.parse(task.json), `model ${task.modelId}`);
    models.set(task.modelId, model, task.json.length);
  }
  return { answers: answerRows(model, task.policy, createMatrix(task.rows.length / task.cols, task.cols, task.rows)) };
}

async function train(task: TrainTask): Promise<TrainResult> {
  const params = parseParamPairs(Object.entries(task.spec.params).map(([k, v]) => `${k}=${v}`));
  const progress = progressToParent();
  const trainer = createTrainer(task.spec.model, params, progress);
  const rng = new Rng(task.spec.seed);
  const { train, test } = splitServerDataset(task.csv, task.datasetName, task.spec, trainer.task, rng);
  const weights = estimateParameters(trainer, train);
  if (weights > task.maxModelParameters) {
    throw new ThreatlabError('limit-exceeded', `the model would have ${weights} weights on ${train.features.cols} encoded columns, over this server's limit of ${task.maxModelParameters} (maxModelParameters); use fewer hidden units or columns`);
  }
  if (trainer.kind === 'mlp' || trainer.kind === 'cnn') await initBackend();
  const model = await trainer.fit(train, rng.fork());
  const measured = (data: Dataset) => (model.task === 'classification' && data.task === 'classification' && data.features.rows > 0 ? accuracy(model, data) : undefined);
  return { json: JSON.stringify(model.toJSON()), summary: summarizeModel(model), trainRows: train.features.rows, testRows: test.features.rows, trainAccuracy: measured(train), testAccuracy: measured(test) };
}

/** Training progress (epochs done / epochs) sent to the pool, which records it on the job. */
function progressToParent(): Progress {
  let total = 0;
  let current = 0;
  return {
    start(_label, steps) {
      total = steps;
      current = 0;
    },
    tick(steps = 1) {
      current += steps;
      if (total > 0) post({ type: 'progress', fraction: current / total });
    },
    done() {},
  };
}

/**
 * Renices this thread (Linux: a thread's id from /proc/thread-self, niceness 10), so that on a
 * busy machine the request thread is scheduled first and heavy work takes what is left.
 */
function lowerThreadPriority(): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(thread) && thread > 0) setPriority(thread, 10);
  } catch {
    // Not Linux, or not allowed: the worker keeps the default priority.
  }
}

function post(reply: WorkerReply): void {
  port.postMessage(reply);
}

async function run(task: WorkerTask): Promise<unknown> {
  switch (task.type) {
    case 'load-model':
      return loadModel(task);
    case 'predict':
      return predict(task);
    case 'train':
      return train(task);
    case 'count-csv':
      return countCsv(task.bytes, { maxRows: task.maxRows, maxCells: task.maxCells }, task.source);
    case 'audit':
      return runAuditTask(task, (fraction) => post({ type: 'progress', fraction }));
  }
}

port.on('message', async (task: WorkerTask) => {
  try {
    post({ type: 'done', result: await run(task) });
  } catch (error) {
    const code = error instanceof ThreatlabError ? error.code : 'internal';
    post({ type: 'error', error: { code, message: (error as Error).message } });
  }
});
// Every module (onnxruntime-node's binding among them) has loaded: the pool may stop this thread between native calls now.
workerStarted();
post({ type: 'ready' });
