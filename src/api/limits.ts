/**
 * The server's limits: what one request, upload, prediction or training job may cost. Every
 * limit is a server setting with a default sized for a small machine, and every refusal names
 * the limit it hit (code `limit-exceeded`, or `payload-too-large` for bodies), so a client knows
 * what to change and an operator which setting to raise.
 */

import { ThreatlabError } from '../errors.ts';

/** Limits of one server. */
export interface ServerLimits {
  /** Largest predict/publish/key/train request body, bytes. */
  maxBodyBytes: number;
  /** Largest upload (CSV or model file), bytes. */
  maxUploadBytes: number;
  /** Data rows of one CSV upload. */
  maxUploadRows: number;
  /** Cells (rows × columns) of one CSV upload. */
  maxUploadCells: number;
  /** Rows of one predict request. */
  maxPredictRows: number;
  /** Rows × the model's cost per row (multiply-adds, or tree depth) of one predict request. */
  maxPredictCompute: number;
  /** Predicts up to this compute are answered on the request thread; larger ones on a worker. */
  inlinePredictCompute: number;
  /** Wall time of one prediction on a worker, seconds. */
  predictSeconds: number;
  /** Training: passes over the data (`epochs`). */
  maxEpochs: number;
  /** Training: optimiser iterations (`maxIterations`). */
  maxIterations: number;
  /** Training: units of one hidden layer (`hidden`, for the MLP and the CNN's dense layer). */
  maxHiddenUnits: number;
  /** Training: filters of one convolution block. */
  maxFilters: number;
  /** Training: depth of a tree (`maxDepth`). */
  maxTreeDepth: number;
  /** Training: weights of the model to be trained (checked on the encoded data before fitting). */
  maxModelParameters: number;
  /** Wall time of one training job, seconds. */
  jobSeconds: number;
  /** JavaScript heap of a job's worker thread, MiB. */
  jobMemoryMb: number;
  /** Jobs queued or running on the server. */
  maxQueuedJobs: number;
  /** Jobs queued or running for one owner. */
  maxJobsPerOwner: number;
  /** Predictions waiting for a worker. */
  maxQueuedPredicts: number;
  /** Bytes of model files kept parsed in memory (those unused longest evicted first: `LruCache`, an approximate LRU). */
  modelCacheBytes: number;
  /** Keys of one owner. */
  maxKeysPerOwner: number;
  /** Keys one owner may create per minute through the API. */
  keyCreationsPerMinute: number;
}

/** Defaults for a 2-core, few-GiB machine. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 1 << 20,
  maxUploadBytes: 32 << 20,
  maxUploadRows: 500_000,
  maxUploadCells: 5_000_000,
  maxPredictRows: 10_000,
  maxPredictCompute: 1e9,
  inlinePredictCompute: 2e6,
  predictSeconds: 30,
  maxEpochs: 500,
  maxIterations: 10_000,
  maxHiddenUnits: 4096,
  maxFilters: 256,
  maxTreeDepth: 64,
  maxModelParameters: 5_000_000,
  jobSeconds: 600,
  jobMemoryMb: 2048,
  maxQueuedJobs: 16,
  maxJobsPerOwner: 2,
  maxQueuedPredicts: 64,
  modelCacheBytes: 256 << 20,
  maxKeysPerOwner: 100,
  keyCreationsPerMinute: 10,
};

/** The defaults with some settings replaced. */
export function resolveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(given) as [keyof ServerLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new ThreatlabError('usage', `server limit ${name} is ${value}; give a positive number`);
    }
    limits[name] = value;
  }
  return limits;
}

/** The refusal of something over a limit: names the setting and the fix. */
export function overLimit(what: string, value: number, name: keyof ServerLimits, limit: number, fix: string): ThreatlabError {
  return new ThreatlabError('limit-exceeded', `${what} is ${value}, over this server's limit of ${limit} (${name}); ${fix}`);
}

/** Training parameters held to a limit: each value (or each entry of a list) at most the limit. */
const TRAINING_PARAM_LIMITS: Record<string, keyof ServerLimits> = {
  epochs: 'maxEpochs',
  maxIterations: 'maxIterations',
  hidden: 'maxHiddenUnits',
  filters: 'maxFilters',
  maxDepth: 'maxTreeDepth',
};

/** Refuses training parameters over the server's limits (before any work starts). */
export function checkTrainingParams(params: Readonly<Record<string, unknown>>, limits: ServerLimits): void {
  for (const [param, name] of Object.entries(TRAINING_PARAM_LIMITS)) {
    const value = params[param];
    const values = Array.isArray(value) ? (value as number[]) : typeof value === 'number' ? [value] : [];
    for (const v of values) {
      if (v > limits[name]) throw overLimit(`training parameter ${param}`, v, name, limits[name], `use at most ${limits[name]}`);
    }
  }
}
