/**
 * What the prediction service does, independent of HTTP: authenticate, find a model the caller
 * may see, answer rows under the model's policy, charge the ledger. The Hono app (app.ts) only
 * maps requests to these calls and errors to statuses.
 */

import { encodeTableWithSchema } from '../data/encoders/schema-encoder.ts';
import { parseCsv } from '../data/loaders/csv.ts';
import { splitUserTable } from '../data/user-data.ts';
import { ThreatlabError } from '../errors.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import { createTrainer, modelFromJson } from '../models/registry.ts';
import type { Model } from '../models/types.ts';
import { infoOf } from '../oracle/local-oracle.ts';
import { answerRows, parsePolicy, revealsOf } from '../oracle/policy.ts';
import { parseParamPairs } from '../models/params.ts';
import { Rng } from '../random.ts';
import { accuracy } from '../metrics/score.ts';
import type { Dataset } from '../data/dataset.ts';
import type { ModelInfoResponse, PredictResponse } from './protocol.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { KeyRecord, ModelRecord, Store, Visibility } from './store.ts';

/** The service: a store, its parsed models, and the rate limiter. */
export class PredictionService {
  readonly store: Store;
  private readonly limiter: RateLimiter;
  private readonly models = new Map<string, Model>();

  constructor(store: Store, limiter: RateLimiter) {
    this.store = store;
    this.limiter = limiter;
  }

  /** The key behind an `Authorization: Bearer KEY` header. */
  authenticate(header: string | undefined): KeyRecord {
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!key) throw new ThreatlabError('unauthorized', 'missing API key; send "Authorization: Bearer YOUR_KEY" (create one with POST /v1/keys)');
    const record = this.store.findKey(key);
    if (!record) throw new ThreatlabError('unauthorized', 'unknown API key; check the key or create a new one');
    return record;
  }

  /** Applies the key's rate limit. */
  throttle(key: KeyRecord): void {
    this.limiter.take(key.id, key.rateLimit);
  }

  /** A model the key may query: its owner's, or a published public one. Others look absent. */
  visibleModel(key: KeyRecord, modelId: string): { record: ModelRecord; model: Model } {
    const record = this.store.getModel(modelId);
    if (!record || (record.ownerId !== key.ownerId && !(record.published && record.visibility === 'public'))) {
      throw new ThreatlabError('not-found', `no model "${modelId}" visible to this key; list yours with GET /v1/models`);
    }
    return { record, model: this.parsed(record) };
  }

  /** A model the key's owner owns (for publishing). */
  ownedModel(key: KeyRecord, modelId: string): ModelRecord {
    const { record } = this.visibleModel(key, modelId);
    if (record.ownerId !== key.ownerId) throw new ThreatlabError('forbidden', `model "${modelId}" belongs to another owner; only its owner can publish it`);
    return record;
  }

  private parsed(record: ModelRecord): Model {
    let model = this.models.get(record.id);
    if (!model) {
      model = modelFromJson(JSON.parse(record.json), `model ${record.id}`);
      this.models.set(record.id, model);
    }
    return model;
  }

  /** What real services reveal about a model. */
  info(key: KeyRecord, modelId: string): ModelInfoResponse {
    const { record, model } = this.visibleModel(key, modelId);
    const { modelId: _id, ...info } = infoOf(model, record.policy, record.price, record.id);
    return {
      ...info,
      id: record.id,
      name: record.name,
      visibility: record.visibility,
      published: record.published,
      owned: record.ownerId === key.ownerId,
    };
  }

  /** Answers rows and charges the ledger (in one transaction, after the answer is computed). */
  predict(key: KeyRecord, modelId: string, body: { rows: (number | null)[][] } | { records: Record<string, string | number | null>[] }): PredictResponse {
    const { record, model } = this.visibleModel(key, modelId);
    const partial = infoOf(model, record.policy).partialRows;
    const rows = 'rows' in body ? encodedRows(body.rows, model.inputSize, partial) : recordRows(body.records, model, partial);
    const answers = answerRows(model, record.policy, rows);
    const cost = rows.rows * record.price;
    const queryId = this.store.recordQuery(key, record.id, rows.rows, cost);
    return { modelId: record.id, queryId, queries: rows.rows, cost, answers };
  }

  /** Stores an uploaded model file for the key's owner. */
  uploadModel(key: KeyRecord, json: unknown, name: string): ModelInfoResponse {
    const model = modelFromJson(json, 'the uploaded model');
    const id = this.store.addModel(key.ownerId, name, model);
    return this.info(key, id);
  }

  /** Trains a model on an uploaded data set of the key's owner. */
  async train(key: KeyRecord, request: { datasetId: string; target: string; model: string; name?: string; params: Record<string, string | number | boolean>; seed: number; testFraction: number }): Promise<ModelInfoResponse & { trainAccuracy?: number; testAccuracy?: number }> {
    const dataset = this.store.getDataset(request.datasetId);
    if (!dataset || dataset.ownerId !== key.ownerId) throw new ThreatlabError('not-found', `no data set "${request.datasetId}" of this owner; upload one with POST /v1/datasets`);
    const params = parseParamPairs(Object.entries(request.params).map(([k, v]) => `${k}=${v}`));
    const trainer = createTrainer(request.model, params);
    const rng = new Rng(request.seed);
    const { train, test } = splitUserTable(parseCsv(dataset.csv, dataset.name), dataset.name, {
      target: request.target,
      task: trainer.task,
      testFraction: request.testFraction,
      rng: rng.fork(),
      categorical: request.model === 'tree' ? 'ordinal' : 'one-hot',
    });
    const model = await trainer.fit(train, rng.fork());
    const id = this.store.addModel(key.ownerId, request.name ?? `${request.model} on ${dataset.name}`, model);
    const measured = (data: Dataset) => (model.task === 'classification' && data.task === 'classification' && data.features.rows > 0 ? accuracy(model, data) : undefined);
    return { ...this.info(key, id), trainAccuracy: measured(train), testAccuracy: measured(test) };
  }

  /** Publishes an owned model. */
  publish(key: KeyRecord, modelId: string, request: { price: number; policy: string; visibility: Visibility }): ModelInfoResponse {
    const record = this.ownedModel(key, modelId);
    const policy = parsePolicy(request.policy);
    revealsOf(this.parsed(record), policy);
    this.store.publish(record.id, { price: request.price, policy, visibility: request.visibility });
    return this.info(key, modelId);
  }
}

function encodedRows(rows: (number | null)[][], inputSize: number, partial: boolean): Matrix {
  const matrix = createMatrix(rows.length, inputSize);
  rows.forEach((row, i) => {
    if (row.length !== inputSize) {
      throw new ThreatlabError('validation', `row ${i} has ${row.length} values; the model takes ${inputSize} (see GET /v1/models/ID for its features)`);
    }
    row.forEach((value, j) => {
      if (value === null && !partial) throw new ThreatlabError('validation', `row ${i}, column ${j} is null; only tree models answer rows with missing features`);
      matrix.data[i * inputSize + j] = value === null ? NaN : value;
    });
  });
  return matrix;
}

function recordRows(records: Record<string, string | number | null>[], model: Model, partial: boolean): Matrix {
  const columns = model.schema.features.map((feature) => feature.name);
  const table = {
    source: 'request',
    columns: [...new Set([...columns, ...records.flatMap((record) => Object.keys(record))])],
    rows: [] as (string | undefined)[][],
    lines: records.map((_, i) => i + 1),
  };
  table.rows = records.map((record) => table.columns.map((name) => (record[name] === null || record[name] === undefined ? undefined : String(record[name]))));
  return encodeTableWithSchema(model.schema, table, { allowMissing: partial });
}
