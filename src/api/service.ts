/**
 * What the prediction service does, independent of HTTP: authenticate, find a model the caller
 * may see, answer rows under the model's policy, charge the ledger, and run training as jobs.
 * Heavy work leaves the request thread: predictions over `inlinePredictCompute` and large model
 * uploads go to a compute worker, training to a training worker, each within the server's
 * limits (limits.ts). The Hono app (app.ts) only maps requests to these calls and errors to
 * statuses.
 */

import { encodeTableWithSchema } from '../data/encoders/schema-encoder.ts';
import { countCsv } from '../data/loaders/csv-count.ts';
import { parseCsv } from '../data/loaders/csv.ts';
import { ThreatlabError, ValidationError } from '../errors.ts';
import type { AuditTask, AuditTaskResult, LoadModelResult, PredictResult, TrainResult, TrainSpec, TrainTask, WorkerTask } from '../jobs/messages.ts';
import type { TaskRunner } from '../jobs/task-runner.ts';
import { WorkerPool, type RunOptions } from '../jobs/worker-pool.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import { parseParamPairs } from '../models/params.ts';
import { createTrainer, modelFromJson } from '../models/registry.ts';
import { summarizeModel } from '../models/summary.ts';
import type { Model } from '../models/types.ts';
import { infoOf } from '../oracle/local-oracle.ts';
import { answerRows, parsePolicy, revealsOf } from '../oracle/policy.ts';
import type { Answer } from '../oracle/types.ts';
import { checkTrainingParams, overLimit, type ServerLimits } from './limits.ts';
import { LruCache } from './lru-cache.ts';
import { microsToUnits } from './money.ts';
import { ROWS_F64, type AuditRequest, type JobResponse, type ModelInfoResponse, type PredictResponse } from './protocol.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { ExtractionWatch, referenceRowsOf } from './extraction-watch.ts';
import type { JobRecord, KeyRecord, ModelRecord, MonitorSettings, Store, Visibility } from './store.ts';

/** The monitor a publish request asks for. */
interface MonitorRequest {
  action: MonitorSettings['action'];
  threshold: number;
  referenceDatasetId?: string;
}

/** CSV uploads up to this size are counted on the request thread (csv-parse reads ~10 MB/s). */
const INLINE_CSV_BYTES = 64 << 10;

/** A training request as the API takes it. */
export interface TrainRequest extends TrainSpec {
  datasetId: string;
  name?: string;
}

/** The service: a store, its limits, the models parsed on this thread, and the worker pools. */
export class PredictionService {
  readonly store: Store;
  readonly limits: ServerLimits;
  private readonly limiter: RateLimiter;
  private readonly models: LruCache<string, Model>;
  private readonly compute: WorkerPool;
  private readonly training: TaskRunner;
  /** Cancel switches of the jobs this server runs now. */
  private readonly running = new Map<string, AbortController>();
  private readonly watch: ExtractionWatch;

  /** `jobs`: where training and audit jobs run (default: a worker thread here). */
  constructor(store: Store, limiter: RateLimiter, limits: ServerLimits, jobs?: TaskRunner) {
    this.store = store;
    this.limiter = limiter;
    this.limits = limits;
    this.models = new LruCache(limits.modelCacheBytes);
    this.watch = new ExtractionWatch(store, limits.modelCacheBytes);
    this.compute = new WorkerPool({ name: 'prediction', size: 1, memoryMb: Math.max(512, limits.jobMemoryMb / 2), maxQueued: limits.maxQueuedPredicts });
    this.training = jobs ?? new WorkerPool({ name: 'training', size: 1, memoryMb: limits.jobMemoryMb, maxQueued: limits.maxQueuedJobs });
  }

  /** Work waiting and running on the workers. */
  get load(): { predictions: { queued: number; running: number }; training: { queued: number; running: number } } {
    return { predictions: this.compute.load, training: this.training.load };
  }

  /** The key behind an `Authorization: Bearer KEY` header. */
  authenticate(header: string | undefined): KeyRecord {
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!key) throw new ThreatlabError('unauthorized', 'missing API key; send "Authorization: Bearer YOUR_KEY" (the operator creates owners and their first key with threatlab owners create)');
    const record = this.store.findKey(key);
    if (!record) throw new ThreatlabError('unauthorized', 'unknown API key; check the key or ask the operator for one');
    return record;
  }

  /** Applies the key's rate limit and its account's (shared by all the account's keys). */
  throttle(key: KeyRecord): void {
    this.limiter.take(`owner:${key.ownerId}`, key.ownerRateLimit);
    this.limiter.take(key.id, key.rateLimit);
  }

  /** A model the key may query: its owner's, or a published public one. Others look absent. */
  visibleModel(key: KeyRecord, modelId: string): ModelRecord {
    const record = this.store.getModel(modelId);
    if (!record || (record.ownerId !== key.ownerId && !(record.published && record.visibility === 'public'))) {
      throw new ThreatlabError('not-found', `no model "${modelId}" visible to this key; list yours with GET /v1/models`);
    }
    return record;
  }

  /** A model the key's owner owns (for publishing). */
  ownedModel(key: KeyRecord, modelId: string): ModelRecord {
    const record = this.visibleModel(key, modelId);
    if (record.ownerId !== key.ownerId) throw new ThreatlabError('forbidden', `model "${modelId}" belongs to another owner; only its owner can publish it`);
    return record;
  }

  /** A small model parsed on this thread (kept, bounded by bytes). */
  private parsed(record: ModelRecord): Model {
    let model = this.models.get(record.id);
    if (!model) {
      model = modelFromJson(JSON.parse(this.store.modelJson(record.id)), `model ${record.id}`);
      this.models.set(record.id, model, record.bytes);
    }
    return model;
  }

  /** What real services reveal about a model. */
  info(key: KeyRecord, modelId: string): ModelInfoResponse {
    const record = this.visibleModel(key, modelId);
    const { modelId: _id, ...info } = infoOf(record.summary, record.policy, record.price, record.id);
    return { ...info, id: record.id, name: record.name, visibility: record.visibility, published: record.published, owned: record.ownerId === key.ownerId, rowFormats: ['application/json', ROWS_F64] };
  }

  /** Answers rows and charges the ledger (after the answer is computed; the answer leaves once the charge has committed). */
  async predict(key: KeyRecord, modelId: string, body: { rows: (number | null)[][] } | { records: Record<string, string | number | null>[] } | { f64: Uint8Array }): Promise<PredictResponse> {
    const record = this.visibleModel(key, modelId);
    const count = 'rows' in body ? body.rows.length : 'records' in body ? body.records.length : binaryRowCount(body.f64, record.summary.inputSize);
    if (count > this.limits.maxPredictRows) throw overLimit('the number of rows', count, 'maxPredictRows', this.limits.maxPredictRows, 'split the request');
    const compute = count * record.summary.costPerRow;
    if (compute > this.limits.maxPredictCompute) {
      throw overLimit(`the work of this request (${count} rows × ${record.summary.costPerRow} per row)`, compute, 'maxPredictCompute', this.limits.maxPredictCompute, `send at most ${Math.max(1, Math.floor(this.limits.maxPredictCompute / record.summary.costPerRow))} rows per request`);
    }
    const partial = record.summary.kind === 'tree';
    const rows = 'rows' in body ? encodedRows(body.rows, record.summary.inputSize, partial) : 'records' in body ? recordRows(body.records, record, partial) : binaryRows(body.f64, count, record.summary.inputSize, partial);
    this.store.checkBudget(key, rows.rows);
    await this.watch.before(key, record);
    const answers = compute <= this.limits.inlinePredictCompute ? answerRows(this.parsed(record), record.policy, rows) : await this.predictOnWorker(record, rows);
    const { queryId, costMicros } = await this.store.recordQueryGrouped(key, record.id, rows.rows, record.priceMicros);
    await this.watch.after(key, record, rows, answers);
    return { modelId: record.id, queryId, queries: rows.rows, cost: microsToUnits(costMicros), costMicros, answers };
  }

  private async predictOnWorker(record: ModelRecord, rows: Matrix): Promise<Answer[]> {
    const options = { timeoutMs: this.limits.predictSeconds * 1000, timeoutLimit: 'predictSeconds' };
    const task = { type: 'predict' as const, modelId: record.id, policy: record.policy, rows: rows.data, cols: rows.cols };
    let result = await this.compute.run<PredictResult>(task, options);
    if (result.missing) result = await this.compute.run<PredictResult>({ ...task, json: this.store.modelJson(record.id) }, options);
    if (result.missing) throw new ThreatlabError('internal', `the prediction worker could not load model ${record.id}`);
    return result.answers;
  }

  /** Validates and stores an uploaded model file (text) for the key's owner; large files are parsed on a worker. */
  async uploadModel(key: KeyRecord, text: string, name: string): Promise<ModelInfoResponse> {
    const source = 'the uploaded model';
    let loaded: LoadModelResult | undefined;
    if (text.length <= this.limits.maxBodyBytes) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new ThreatlabError('parse-error', `${source} is not valid JSON; upload a model file written by threatlab train`);
      }
      // A tfjs upload (model.json with its weight files in one body) is read by tfjs on a worker.
      if (!(value && typeof value === 'object' && 'tfjs' in value)) {
        const model = modelFromJson(value, source);
        loaded = { json: JSON.stringify(model.toJSON()), summary: summarizeModel(model) };
      }
    }
    loaded ??= await this.compute.run<LoadModelResult>({ type: 'load-model', text, source }, { timeoutMs: this.limits.predictSeconds * 1000, timeoutLimit: 'predictSeconds' });
    const id = this.store.addModelJson(key.ownerId, name, loaded.json, loaded.summary);
    return this.info(key, id);
  }

  /** Checks an uploaded CSV's rows and cells (small ones here, others on a worker) and stores it for the key's owner. */
  async uploadDataset(key: KeyRecord, name: string, bytes: Buffer): Promise<{ id: string; rows: number; columns: string[] }> {
    const limits = { maxRows: this.limits.maxUploadRows, maxCells: this.limits.maxUploadCells };
    let shape: { rows: number; columns: string[] };
    if (bytes.length <= INLINE_CSV_BYTES) shape = await countCsv(bytes, limits, name);
    else {
      const copy = new Uint8Array(bytes);
      shape = await this.compute.run({ type: 'count-csv', bytes: copy, source: name, ...limits }, { timeoutMs: this.limits.predictSeconds * 1000, timeoutLimit: 'predictSeconds', transfer: [copy.buffer] });
    }
    return { id: this.store.addDataset(key.ownerId, name, bytes, shape), ...shape };
  }

  /** Queues a training job on an uploaded data set of the key's owner; the job runs on a worker. */
  train(key: KeyRecord, request: TrainRequest): JobResponse {
    const dataset = this.store.datasetInfo(request.datasetId);
    if (!dataset || dataset.ownerId !== key.ownerId) throw new ThreatlabError('not-found', `no data set "${request.datasetId}" of this owner; upload one with POST /v1/datasets`);
    if (!dataset.columns.includes(request.target) && dataset.columns.length > 0) {
      throw new ThreatlabError('not-found', `data set "${dataset.name}" has no column "${request.target}"; its columns are ${dataset.columns.map((c) => `"${c}"`).join(', ')}`);
    }
    const trainer = createTrainer(request.model, parseParamPairs(Object.entries(request.params).map(([k, v]) => `${k}=${v}`)));
    checkTrainingParams(trainer.params, this.limits);
    this.checkJobRoom(key);
    const job = this.store.addJob(key.ownerId, request);
    // A fresh buffer of its own: a Buffer may share its memory (Node's pool), which must not move.
    const csv = new Uint8Array(this.store.datasetCsv(dataset.id)!);
    const task: TrainTask = { type: 'train', csv, datasetName: dataset.name, spec: request, maxModelParameters: this.limits.maxModelParameters };
    this.runJob<TrainResult>(job.id, task, [csv.buffer], this.trainingDone(job.id, key.ownerId, request));
    return jobResponse(this.store.getJob(job.id)!);
  }

  /** What a finished training job stores: its model, under the name asked for or made up. */
  private trainingDone(jobId: string, ownerId: string, request: TrainRequest): (result: TrainResult) => void {
    const name = request.name ?? `${request.model} on ${this.store.datasetInfo(request.datasetId)?.name ?? request.datasetId}`;
    return (result) => {
      const { json, summary, ...measured } = result;
      this.store.jobSucceeded(jobId, { ownerId, name, json, summary }, measured);
    };
  }

  /**
   * Queues an audit job of an owned model on a training worker. A model the server trained is
   * audited on its true members (the training job's data and split); an uploaded one without them.
   */
  audit(key: KeyRecord, modelId: string, request: AuditRequest): JobResponse {
    const record = this.ownedModel(key, modelId);
    for (const policy of request.policies) revealsOf(record.summary, parsePolicy(policy));
    this.checkJobRoom(key);
    const job = this.store.addJob(key.ownerId, { type: 'audit', modelId, ...request });
    const trainedBy = this.store.trainingJobOf(modelId);
    const spec = trainedBy?.request as TrainRequest | undefined;
    const csv = spec && this.store.datasetCsv(spec.datasetId);
    const training = spec && csv ? { csv: new Uint8Array(csv), datasetName: this.store.datasetInfo(spec.datasetId)!.name, spec } : undefined;
    const price = request.price ?? (record.priceMicros > 0 ? record.priceMicros / 1e6 : 0.0001);
    const task: AuditTask = { type: 'audit', modelId, modelName: record.name, json: this.store.modelJson(modelId)!, policies: request.policies, threats: request.threats, sensitive: request.sensitive, quick: request.quick, seed: request.seed, price, training };
    this.runJob<AuditTaskResult>(job.id, task, training ? [training.csv.buffer as ArrayBuffer] : [], this.auditDone(job.id, modelId));
    return jobResponse(this.store.getJob(job.id)!);
  }

  /** What a finished audit job stores: the summary it answers with; the full records stay in the report. */
  private auditDone(jobId: string, modelId: string): (result: AuditTaskResult) => void {
    return (result) => {
      const records = JSON.parse(result.json) as { verdicts: unknown; skipped: unknown; queries: unknown; policies: unknown };
      const summary = { type: 'audit', modelId, verdicts: records.verdicts, skipped: records.skipped, queries: records.queries, policies: records.policies, report: `/v1/jobs/${jobId}/report.html`, records: `/v1/jobs/${jobId}/report.json` };
      this.store.auditSucceeded(jobId, summary, result);
    };
  }

  /**
   * At start-up: jobs a stopped server left queued or running. Those it sent to a cluster ran on
   * there, and are followed again to their end by their queue id (when this server has a cluster);
   * the others, which died with its threads, are failed with the reason. Returns the jobs followed.
   */
  resumeInterrupted(): number {
    const runner = this.training;
    const left = this.store.failInterruptedJobs({ keepRemote: runner.attach !== undefined });
    for (const job of left) {
      const request = job.request as TrainRequest | { type: 'audit'; modelId: string };
      const done = 'type' in request && request.type === 'audit' ? this.auditDone(job.id, request.modelId) : this.trainingDone(job.id, job.ownerId, request as TrainRequest);
      this.follow(job.id, (options) => runner.attach!(job.remoteId!, options), done as (result: unknown) => void);
    }
    return left.length;
  }

  /** An owner's recent jobs. */
  jobs(key: KeyRecord): JobResponse[] {
    return this.store.listJobs(key.ownerId).map(jobResponse);
  }

  /** An audit job's report (records or page). */
  report(key: KeyRecord, jobId: string, format: 'json' | 'html'): string {
    const job = this.job(key, jobId);
    const report = this.store.jobReport(job.id, format);
    if (!report) throw new ThreatlabError('not-found', `job "${jobId}" has no report${job.status === 'succeeded' ? ' (it is not an audit)' : ` yet: it is ${job.status}`}; poll GET /v1/jobs/${jobId}`);
    return report;
  }

  /** Refuses a job past the owner's or the server's limit of queued and running jobs. */
  private checkJobRoom(key: KeyRecord): void {
    if (this.store.activeJobs(key.ownerId) >= this.limits.maxJobsPerOwner) {
      throw new ThreatlabError('limit-exceeded', `this owner has ${this.limits.maxJobsPerOwner} jobs queued or running, this server's limit (maxJobsPerOwner); wait for one to finish (GET /v1/jobs/ID)`);
    }
    if (this.store.activeJobs() >= this.limits.maxQueuedJobs) {
      throw new ThreatlabError('overloaded', `${this.limits.maxQueuedJobs} jobs are queued or running (maxQueuedJobs); retry later`);
    }
  }

  /**
   * Cancels a queued or running job of the key's owner: it is recorded as cancelled at once (so
   * it stores no model or report), and its task leaves the queue or its worker is stopped — a
   * worker thread here, or the `threatlab worker` process that runs it.
   */
  cancel(key: KeyRecord, jobId: string): JobResponse {
    const job = this.job(key, jobId);
    if (!this.store.jobCancelled(job.id, `cancelled by its owner at ${new Date().toISOString()} (POST /v1/jobs/${job.id}/cancel)`)) {
      throw new ThreatlabError('conflict', `job "${jobId}" has ended already (${job.status}); there is nothing to cancel`);
    }
    this.running.get(job.id)?.abort();
    return this.job(key, jobId);
  }

  /** Runs a job's task on a training worker within the job limits, recording start, progress and the end. */
  private runJob<R>(jobId: string, task: WorkerTask, transfer: ArrayBuffer[], succeeded: (result: R) => void): void {
    this.follow(jobId, (options) => this.training.run<R>(task, { ...options, transfer, onQueued: (remoteId) => this.store.jobRemote(jobId, remoteId) }), succeeded);
  }

  /** Records a job's start, progress and end as `start` reports them; the job can be cancelled meanwhile. */
  private follow<R>(jobId: string, start: (options: RunOptions) => Promise<R>, succeeded: (result: R) => void): void {
    let lastProgress = 0;
    const control = new AbortController();
    this.running.set(jobId, control);
    start({
      signal: control.signal,
      timeoutMs: this.limits.jobSeconds * 1000,
      timeoutLimit: 'jobSeconds',
      onStart: () => this.store.jobStarted(jobId),
      onProgress: (fraction) => {
        if (fraction - lastProgress < 0.01 && fraction < 1) return;
        lastProgress = fraction;
        this.store.jobProgress(jobId, fraction);
      },
    })
      .then(succeeded, (error: Error) => this.store.jobFailed(jobId, { code: error instanceof ThreatlabError ? error.code : 'internal', message: error.message }))
      .catch(() => undefined)
      .finally(() => this.running.delete(jobId));
  }

  /** A job of the key's owner. */
  job(key: KeyRecord, jobId: string): JobResponse {
    const job = this.store.getJob(jobId);
    if (!job || job.ownerId !== key.ownerId) throw new ThreatlabError('not-found', `no job "${jobId}" of this owner`);
    return jobResponse(job);
  }

  /** Publishes an owned model. */
  publish(key: KeyRecord, modelId: string, request: { price: number; policy: string; visibility: Visibility; monitor?: MonitorRequest }): ModelInfoResponse {
    const record = this.ownedModel(key, modelId);
    const policy = parsePolicy(request.policy);
    revealsOf(record.summary, policy);
    const monitor = request.monitor && { action: request.monitor.action, threshold: request.monitor.threshold, reference: request.monitor.referenceDatasetId ? this.referenceRows(key, record, request.monitor.referenceDatasetId) : undefined };
    this.store.publish(record.id, { price: request.price, policy, visibility: request.visibility, monitor });
    return this.info(key, modelId);
  }

  /** A seeded sample of an owned data set's rows, encoded for the model (its other columns, the target among them, dropped). */
  private referenceRows(key: KeyRecord, record: ModelRecord, datasetId: string): number[][] {
    const info = this.store.datasetInfo(datasetId);
    if (!info || info.ownerId !== key.ownerId) throw new ThreatlabError('not-found', `no data set "${datasetId}" of this owner; upload the natural rows with POST /v1/datasets first`);
    return referenceRowsOf(record.summary, parseCsv(new TextDecoder().decode(this.store.datasetCsv(datasetId)!), `data set ${datasetId}`), 'monitor.referenceDatasetId');
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all([this.compute.close(), this.training.close()]);
  }
}

function jobResponse(job: JobRecord): JobResponse {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    modelId: job.modelId ?? null,
    result: job.result ?? null,
    error: job.error ?? null,
    createdAt: new Date(job.createdAt).toISOString(),
    startedAt: job.startedAt ? new Date(job.startedAt).toISOString() : null,
    finishedAt: job.finishedAt ? new Date(job.finishedAt).toISOString() : null,
  };
}

function encodedRows(rows: (number | null)[][], inputSize: number, partial: boolean): Matrix {
  rows.forEach((row, i) => {
    if (row.length !== inputSize) throw new ThreatlabError('validation', `row ${i} has ${row.length} values; the model takes ${inputSize} (see GET /v1/models/ID for its features)`);
  });
  const matrix = createMatrix(rows.length, inputSize);
  rows.forEach((row, i) => {
    row.forEach((value, j) => {
      if (value === null && !partial) throw new ThreatlabError('validation', `row ${i}, column ${j} is null; only tree models answer rows with missing features`);
      matrix.data[i * inputSize + j] = value === null ? NaN : value;
    });
  });
  return matrix;
}

/** The rows in a body of `ROWS_F64` bytes: refused unless it holds one or more whole rows of `inputSize` values. */
function binaryRowCount(bytes: Uint8Array, inputSize: number): number {
  const rowBytes = 8 * inputSize;
  if (bytes.byteLength === 0 || bytes.byteLength % rowBytes !== 0) {
    throw new ThreatlabError('validation', `the body's ${bytes.byteLength} bytes are not whole rows: the model takes ${inputSize} features, ${rowBytes} bytes a row of little-endian float64 values (${ROWS_F64}); send a multiple of ${rowBytes} bytes, at least one row`);
  }
  return bytes.byteLength / rowBytes;
}

/** The `rows` rows of a `ROWS_F64` body (`binaryRowCount`'s): finite values, NaN (a missing feature) only where `partial` (tree models). */
function binaryRows(bytes: Uint8Array, rows: number, inputSize: number, partial: boolean): Matrix {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const matrix = createMatrix(rows, inputSize);
  for (let k = 0; k < matrix.data.length; k++) {
    const value = view.getFloat64(8 * k, true);
    if (!Number.isFinite(value)) {
      const where = `row ${Math.floor(k / inputSize)}, column ${k % inputSize}`;
      if (!Number.isNaN(value)) throw new ThreatlabError('validation', `${where} is infinite; send finite values`);
      if (!partial) throw new ThreatlabError('validation', `${where} is NaN (missing); only tree models answer rows with missing features`);
    }
    matrix.data[k] = value;
  }
  return matrix;
}

/** Records of named raw values: every name is checked against the schema before any table is built. */
function recordRows(records: Record<string, string | number | null>[], record: ModelRecord, partial: boolean): Matrix {
  const columns = record.summary.schema.features.map((feature) => feature.name);
  const known = new Set(columns);
  records.forEach((row, i) => {
    for (const name of Object.keys(row)) {
      if (!known.has(name)) throw new ValidationError('a record names a feature the model does not have', [{ path: `records[${i}].${name}`, message: `unknown feature; the model's features are ${columns.slice(0, 20).map((c) => `"${c}"`).join(', ')}${columns.length > 20 ? ', …' : ''}` }]);
    }
  });
  const table = {
    source: 'request',
    columns,
    rows: records.map((row) => columns.map((name) => (row[name] === null || row[name] === undefined ? undefined : String(row[name])))),
    lines: records.map((_, i) => i + 1),
  };
  return encodeTableWithSchema(record.summary.schema, table, { allowMissing: partial });
}
