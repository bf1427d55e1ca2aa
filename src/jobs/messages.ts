/** Messages between the request thread and the compute workers (structured-clone friendly). */

import type { ModelSummary } from '../models/summary.ts';
import type { Answer, OutputPolicy } from '../oracle/types.ts';

/** Parse and validate an uploaded model file. */
export interface LoadModelTask {
  type: 'load-model';
  text: string;
  source: string;
}

/** The validated model in canonical form. */
export interface LoadModelResult {
  json: string;
  summary: ModelSummary;
}

/** Answer rows with a stored model (the worker keeps recent models parsed; `json` is sent when it asks). */
export interface PredictTask {
  type: 'predict';
  modelId: string;
  json?: string;
  policy: OutputPolicy;
  rows: Float64Array;
  cols: number;
}

/** The answers, or a request for the model file. */
export type PredictResult = { missing: true } | { missing?: false; answers: Answer[] };

/** What a training request asks for. */
export interface TrainSpec {
  target: string;
  model: string;
  params: Record<string, string | number | boolean>;
  seed: number;
  testFraction: number;
}

/** Count an uploaded CSV's rows within limits (the records are dropped as they are parsed). */
export interface CountCsvTask {
  type: 'count-csv';
  bytes: Uint8Array;
  source: string;
  maxRows: number;
  maxCells: number;
}

/** Train a model on an uploaded CSV. */
export interface TrainTask {
  type: 'train';
  /** The CSV's UTF-8 bytes. */
  csv: Uint8Array;
  datasetName: string;
  spec: TrainSpec;
  /** Largest number of weights the job may fit. */
  maxModelParameters: number;
}

/** The trained model and its accuracies. */
export interface TrainResult {
  json: string;
  summary: ModelSummary;
  trainRows: number;
  testRows: number;
  trainAccuracy?: number;
  testAccuracy?: number;
}

/** Audit an owner's model (and, for a model the server trained, rebuild its training split). */
export interface AuditTask {
  type: 'audit';
  modelId: string;
  modelName: string;
  json: string;
  policies: string[];
  threats: string[];
  sensitive: string[];
  quick: boolean;
  seed: number;
  price: number;
  /** The uploaded CSV and the spec of the job that trained the model, when the server trained it. */
  training?: { csv: Uint8Array; datasetName: string; spec: TrainSpec };
}

/** The audit's records (JSON) and its report page. */
export interface AuditTaskResult {
  json: string;
  html: string;
}

/** Any task. */
export type WorkerTask = LoadModelTask | PredictTask | TrainTask | CountCsvTask | AuditTask;

/** A worker's messages: ready once loaded; per task, progress (any number), then one result or error. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; fraction: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: { code: string; message: string } };
