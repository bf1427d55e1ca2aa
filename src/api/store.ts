/**
 * The service's storage: SQLite through better-sqlite3, WAL mode, created on first open.
 * Owners (unique names, each with an optional account budget and rate limit, created by the
 * operator), API keys (only a SHA-256 of each key is kept; the key is shown once), uploaded data
 * sets, models with their publication (price in integer micro-units, output policy, visibility),
 * training jobs, and the query ledger. A query is recorded in the same transaction that charges
 * the key's and the account's budgets, so a refused request writes nothing and every answered one
 * is on disk before its answer leaves. The service charges by group commit: the requests of one
 * event-loop turn share a transaction (each refused one undone alone), and its commit, the
 * costliest part of a 1-row request before, is paid once per batch.
 */

import crypto, { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BudgetExceededError, ThreatlabError, ValidationError } from '../errors.ts';
import { modelFromJson } from '../models/registry.ts';
import { summarizeModel, type ModelSummary } from '../models/summary.ts';
import type { Model } from '../models/types.ts';
import type { OutputPolicy } from '../oracle/types.ts';
import { LruCache } from './lru-cache.ts';
import { microsToUnits, priceToMicros } from './money.ts';
import { migrate } from './store-schema.ts';

/** Lowest rate limit of a key or an account, requests per second (one request per 100 s). */
export const MIN_RATE_LIMIT = 0.01;

/** An API key as stored (never the key itself). */
export interface KeyRecord {
  id: string;
  ownerId: string;
  ownerName: string;
  prefix: string;
  /** Rows this key may query in total; undefined: up to the account's budget. */
  budget?: number;
  /** Requests per second of this key; undefined: up to the account's rate. */
  rateLimit?: number;
  /** Requests per second of all the account's keys together; undefined: unlimited. */
  ownerRateLimit?: number;
  /** The account's budget when the key was read (undefined: none); the charge checks the current one. */
  ownerBudget?: number;
  createdAt: number;
}

/** An owner (account). */
export interface OwnerRecord {
  id: string;
  name: string;
  /** Rows all the owner's keys may query together; undefined: unlimited. */
  budget?: number;
  used: number;
  rateLimit?: number;
  keys: number;
}

/** Who may query a published model. */
export type Visibility = 'private' | 'public';

/** A stored model (its file is read with `modelJson`). */
export interface ModelRecord {
  id: string;
  ownerId: string;
  name: string;
  kind: string;
  summary: ModelSummary;
  policy: OutputPolicy;
  /** Price per row in units, and exactly in micro-units. */
  price: number;
  priceMicros: number;
  visibility: Visibility;
  published: boolean;
  createdAt: number;
  /** Bytes of the model file. */
  bytes: number;
  /** The extraction monitor the owner set when publishing, if any. */
  monitor?: MonitorSettings;
}

/** What the server does when a key's queries to a model look like extraction (PRADA, Juuti et al. 2019). */
export type MonitorAction = 'log' | 'alert' | 'slow' | 'refuse';

/** A model's extraction monitor. */
export interface MonitorSettings {
  action: MonitorAction;
  /** PRADA's Shapiro–Wilk threshold. */
  threshold: number;
  /** Natural rows (encoded) for the off-manifold detector and PRADA's calibration, from a data set the owner uploaded. */
  reference?: number[][];
}

/** One raised alert. */
export interface AlertRecord {
  keyId: string;
  keyPrefix: string;
  modelId: string;
  detector: string;
  statistic: number;
  queries: number;
  action: MonitorAction;
  createdAt: string;
}

/** Usage of one key on one model. */
export interface UsageRow {
  keyId: string;
  keyPrefix: string;
  owner: string;
  modelId: string;
  requests: number;
  queries: number;
  cost: number;
  costMicros: number;
}

/** A training job. */
export interface JobRecord {
  id: string;
  ownerId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** 0–1. */
  progress: number;
  request: unknown;
  modelId?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** The job's id on the cluster queue, when it was sent to one. */
  remoteId?: string;
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

// Node's one-shot hash (20.12 and later) costs a third of a Hash object's 1 µs, on every request.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

/** SHA-256 of an API key, hex. */
export function hashKey(key: string): string {
  return sha256Hex(key);
}

interface KeyRow {
  id: string;
  owner_id: string;
  owner_name: string;
  owner_rate_limit: number | null;
  owner_budget: number | null;
  prefix: string;
  budget: number | null;
  rate_limit: number | null;
  created_at: number;
}

interface ModelRow {
  id: string;
  owner_id: string;
  name: string;
  kind: string;
  summary: string | null;
  bytes: number;
  policy: string;
  price_micros: number;
  visibility: Visibility;
  published: number;
  created_at: number;
  monitor: string | null;
}

interface JobRow {
  id: string;
  owner_id: string;
  status: JobRecord['status'];
  progress: number;
  request: string;
  model_id: string | null;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  remote_id: string | null;
}

/** A job's columns, without its report (read only by GET /v1/jobs/ID/report.*). */
const JOB_COLUMNS = 'id, owner_id, status, progress, request, model_id, result, error_code, error_message, created_at, started_at, finished_at, remote_id';

const MODEL_COLUMNS = 'id, owner_id, name, kind, summary, length(json) AS bytes, policy, price_micros, visibility, published, created_at, monitor';

function keyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    prefix: row.prefix,
    budget: row.budget ?? undefined,
    rateLimit: row.rate_limit ?? undefined,
    ownerRateLimit: row.owner_rate_limit ?? undefined,
    ownerBudget: row.owner_budget ?? undefined,
    createdAt: row.created_at,
  };
}

function jobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    status: row.status,
    progress: row.progress,
    request: JSON.parse(row.request),
    modelId: row.model_id ?? undefined,
    result: row.result ? JSON.parse(row.result) : undefined,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : undefined,
    createdAt: row.created_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
    remoteId: row.remote_id ?? undefined,
  };
}

/** Checks a rate limit against the floor (and, for a key, its account's rate). */
function checkRate(rate: number | undefined, ceiling: number | undefined, path: string): void {
  if (rate === undefined) return;
  if (!(rate >= MIN_RATE_LIMIT) || !Number.isFinite(rate)) {
    throw new ValidationError('invalid rate limit', [{ path, message: `${rate}; give at least ${MIN_RATE_LIMIT} requests per second` }]);
  }
  if (ceiling !== undefined && rate > ceiling) {
    throw new ValidationError('invalid rate limit', [{ path, message: `${rate} exceeds the account's ${ceiling} requests per second` }]);
  }
}

function checkBudget(budget: number | undefined, ceiling: number | undefined, path: string): void {
  if (budget === undefined) return;
  if (!Number.isSafeInteger(budget) || budget < 0) throw new ValidationError('invalid budget', [{ path, message: `${budget}; give a whole number of rows` }]);
  if (ceiling !== undefined && budget > ceiling) throw new ValidationError('invalid budget', [{ path, message: `${budget} rows exceed the account's budget of ${ceiling}` }]);
}

/** A charge waiting for its group commit. */
interface PendingCharge {
  key: KeyRecord;
  modelId: string;
  rows: number;
  priceMicros: number;
  resolve: (recorded: { queryId: number; costMicros: number }) => void;
  reject: (error: unknown) => void;
}

/** What a charge came to: its ledger row and cost, or why it was refused. */
type ChargeOutcome = { queryId: number; costMicros: number } | { error: unknown };

/** Thrown inside a run's savepoint when a budget cannot pay for the whole run. */
const NOT_ENOUGH = Symbol('not enough budget for the run');

/** The service's database. */
export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements: Record<string, Database.Statement>;
  private readonly charge: (keyId: string, ownerId: string, modelId: string, rows: number, costMicros: number) => number;
  private readonly chargeBatch: (batch: PendingCharge[], outcomes: ChargeOutcome[]) => void;
  // Keys change only through `setOwnerLimits`, which clears this cache; model records change only
  // through `publish`, which refreshes theirs. Both are bounded: a few hundred bytes an entry.
  private readonly keyCache = new LruCache<string, KeyRecord>(10_000);
  private readonly modelCache = new LruCache<string, ModelRecord>(10_000);
  /** Charges waiting for the next group commit (`recordQueryGrouped`). */
  private pendingCharges: PendingCharge[] = [];

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      keyByHash: prepare('SELECT k.*, o.name AS owner_name, o.rate_limit AS owner_rate_limit, o.budget AS owner_budget FROM api_keys k JOIN owners o ON o.id = k.owner_id WHERE k.key_hash = ?'),
      chargeKey: prepare('UPDATE api_keys SET used = used + ? WHERE id = ? AND (budget IS NULL OR used + ? <= budget)'),
      chargeOwner: prepare('UPDATE owners SET used = used + ? WHERE id = ? AND (budget IS NULL OR used + ? <= budget)'),
      insertLedger: prepare('INSERT INTO ledger (key_id, model_id, rows, cost_micros, created_at) VALUES (?, ?, ?, ?, ?)'),
      addTotals: prepare(
        'INSERT INTO ledger_totals (key_id, model_id, requests, rows, cost_micros) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key_id, model_id) DO UPDATE SET requests = requests + excluded.requests, rows = rows + excluded.rows, cost_micros = cost_micros + excluded.cost_micros',
      ),
      model: prepare(`SELECT ${MODEL_COLUMNS} FROM models WHERE id = ?`),
      remaining: prepare('SELECT k.budget - k.used AS key_left, o.budget - o.used AS owner_left, k.budget AS key_budget, k.used AS key_used, o.budget AS owner_budget, o.used AS owner_used FROM api_keys k JOIN owners o ON o.id = k.owner_id WHERE k.id = ?'),
    };
    // The key's and the account's running totals are charged only if both budgets allow it, and
    // the ledger row (and the key's totals on the model) written in the same transaction: a refused
    // request changes nothing.
    this.charge = db.transaction((keyId: string, ownerId: string, modelId: string, rows: number, costMicros: number) => {
      if (this.statements.chargeKey.run(rows, keyId, rows).changes === 0 || this.statements.chargeOwner.run(rows, ownerId, rows).changes === 0) {
        throw this.budgetError(keyId, rows);
      }
      this.statements.addTotals.run(keyId, modelId, 1, rows, costMicros);
      return Number(this.statements.insertLedger.run(keyId, modelId, rows, costMicros, Date.now()).lastInsertRowid);
    });
    // A run of charges by one key, charged as one sum (a savepoint): false, changing nothing, when a
    // budget cannot pay for all of them.
    const chargeRun = db.transaction((run: PendingCharge[], outcomes: ChargeOutcome[]) => {
      const { id: keyId, ownerId } = run[0].key;
      let rows = 0;
      for (const charge of run) rows += charge.rows;
      if (this.statements.chargeKey.run(rows, keyId, rows).changes === 0 || this.statements.chargeOwner.run(rows, ownerId, rows).changes === 0) throw NOT_ENOUGH;
      const now = Date.now();
      // The key's totals on each model of the run, one row written per model.
      const totals = new Map<string, { requests: number; rows: number; costMicros: number }>();
      for (const charge of run) {
        const costMicros = charge.rows * charge.priceMicros;
        outcomes.push({ queryId: Number(this.statements.insertLedger.run(keyId, charge.modelId, charge.rows, costMicros, now).lastInsertRowid), costMicros });
        const total = totals.get(charge.modelId) ?? { requests: 0, rows: 0, costMicros: 0 };
        totals.set(charge.modelId, { requests: total.requests + 1, rows: total.rows + charge.rows, costMicros: total.costMicros + costMicros });
      }
      for (const [modelId, total] of totals) this.statements.addTotals.run(keyId, modelId, total.requests, total.rows, total.costMicros);
    });
    // A group commit in arrival order: a run of one key's charges as one sum when its budgets pay
    // for all of them (the same end as charging them one by one), else each in a savepoint of its
    // own, so a refused one undoes only itself.
    this.chargeBatch = db.transaction((batch: PendingCharge[], outcomes: ChargeOutcome[]) => {
      for (let start = 0; start < batch.length; ) {
        let end = start + 1;
        while (end < batch.length && batch[end].key.id === batch[start].key.id) end++;
        const run = batch.slice(start, end);
        let charged = false;
        if (run.length > 1) {
          try {
            chargeRun(run, outcomes);
            charged = true;
          } catch (error) {
            if (error !== NOT_ENOUGH) throw error;
          }
        }
        if (!charged) {
          for (const { key, modelId, rows, priceMicros } of run) {
            try {
              outcomes.push(this.recordQuery(key, modelId, rows, priceMicros));
            } catch (error) {
              outcomes.push({ error });
            }
          }
        }
        start = end;
      }
    });
  }

  /** Creates the folder of a database path. */
  static ensureFolder(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Opens (creating when absent) the database at `path` (`:memory:` for tests); the folder must exist. */
  static open(path: string): Store {
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (error) {
      throw new ThreatlabError('internal', `cannot open the database ${path}: ${(error as Error).message}; check that its folder exists and is writable`, { cause: error });
    }
    const store = new Store(path, db);
    store.fillSummaries();
    return store;
  }

  /** Creates an owner (unique name) with an account budget and rate limit, and its first key. The operator's call. */
  createOwner(options: { name: string; budget?: number; rateLimit?: number }): { key: string; record: KeyRecord } {
    checkBudget(options.budget, undefined, 'budget');
    checkRate(options.rateLimit, undefined, 'rateLimit');
    const create = this.db.transaction(() => {
      if (this.ownerByName(options.name)) throw new ThreatlabError('conflict', `an owner named "${options.name}" exists already; pick another name, or add a key to it with threatlab keys create --owner ${options.name}`);
      const ownerId = newId('own');
      this.db.prepare('INSERT INTO owners (id, name, budget, rate_limit, created_at) VALUES (?, ?, ?, ?, ?)').run(ownerId, options.name, options.budget ?? null, options.rateLimit ?? null, Date.now());
      return this.insertKey(ownerId, undefined, undefined);
    });
    return this.keyResult(create());
  }

  /**
   * Creates a further key of an existing owner, within the account's budget, rate and key count.
   * A key minted by another key (`parent`) stays within the parent's own limits too: it gets at
   * most the parent's remaining budget and its rate (by default exactly those), so a spent or
   * throttled key cannot mint itself a freer sibling.
   */
  createKey(options: { ownerId: string; budget?: number; rateLimit?: number; maxKeys?: number; parent?: KeyRecord }): { key: string; record: KeyRecord } {
    const create = this.db.transaction(() => {
      const owner = this.owner(options.ownerId);
      if (!owner) throw new ThreatlabError('not-found', `no owner ${options.ownerId}; create it with threatlab owners create NAME`);
      const parentLeft = options.parent?.budget === undefined ? undefined : Math.max(0, options.parent.budget - this.queriesUsed(options.parent.id));
      const budget = options.budget ?? parentLeft;
      const rateLimit = options.rateLimit ?? options.parent?.rateLimit;
      checkBudget(budget, owner.budget, 'budget');
      checkRate(rateLimit, owner.rateLimit, 'rateLimit');
      if (parentLeft !== undefined && budget! > parentLeft) throw new ValidationError('invalid budget', [{ path: 'budget', message: `${budget} rows exceed the ${parentLeft} rows left to the key that asks` }]);
      if (options.parent?.rateLimit !== undefined && rateLimit! > options.parent.rateLimit) throw new ValidationError('invalid rate limit', [{ path: 'rateLimit', message: `${rateLimit} exceeds the asking key's ${options.parent.rateLimit} requests per second` }]);
      if (options.maxKeys !== undefined && owner.keys >= options.maxKeys) {
        throw new ThreatlabError('limit-exceeded', `owner "${owner.name}" has ${owner.keys} keys, this server's limit (maxKeysPerOwner); use an existing key`);
      }
      return this.insertKey(owner.id, budget, rateLimit);
    });
    return this.keyResult(create());
  }

  private insertKey(ownerId: string, budget: number | undefined, rateLimit: number | undefined): string {
    const key = `tl_${randomBytes(24).toString('base64url')}`;
    this.db
      .prepare('INSERT INTO api_keys (id, owner_id, key_hash, prefix, budget, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(newId('key'), ownerId, hashKey(key), key.slice(0, 7), budget ?? null, rateLimit ?? null, Date.now());
    return key;
  }

  private keyResult(key: string): { key: string; record: KeyRecord } {
    return { key, record: this.findKey(key)! };
  }

  /** Sets an owner's account budget and rate limit (undefined: unlimited). */
  setOwnerLimits(ownerId: string, limits: { budget?: number; rateLimit?: number }): void {
    checkBudget(limits.budget, undefined, 'budget');
    checkRate(limits.rateLimit, undefined, 'rateLimit');
    this.db.prepare('UPDATE owners SET budget = ?, rate_limit = ? WHERE id = ?').run(limits.budget ?? null, limits.rateLimit ?? null, ownerId);
    this.keyCache.clear();
  }

  /** The id of the owner with this name, or undefined. */
  ownerByName(name: string): string | undefined {
    const row = this.db.prepare('SELECT id FROM owners WHERE name = ?').get(name) as { id: string } | undefined;
    return row?.id;
  }

  /** An owner, or undefined. */
  owner(ownerId: string): OwnerRecord | undefined {
    const row = this.db
      .prepare('SELECT o.id, o.name, o.budget, o.used, o.rate_limit, (SELECT COUNT(*) FROM api_keys k WHERE k.owner_id = o.id) AS keys FROM owners o WHERE o.id = ?')
      .get(ownerId) as { id: string; name: string; budget: number | null; used: number; rate_limit: number | null; keys: number } | undefined;
    return row && { id: row.id, name: row.name, budget: row.budget ?? undefined, used: row.used, rateLimit: row.rate_limit ?? undefined, keys: row.keys };
  }

  /** The record of a key, or undefined for an unknown key. */
  findKey(key: string): KeyRecord | undefined {
    // Cached by the key itself, which every request carries anyway: a known key costs no hash (its
    // SHA-256 was 3% of a 1-row predict's time on the server's thread); unknown keys are not cached.
    const cached = this.keyCache.get(key);
    if (cached) return cached;
    const row = this.statements.keyByHash.get(hashKey(key)) as KeyRow | undefined;
    if (!row) return undefined;
    const record = keyRecord(row);
    this.keyCache.set(key, record, 1);
    return record;
  }

  /** Stores an uploaded CSV (its UTF-8 bytes) with its measured size. */
  addDataset(ownerId: string, name: string, csv: Uint8Array, shape: { rows: number; columns: string[] }): string {
    const id = newId('ds');
    this.db.prepare('INSERT INTO datasets (id, owner_id, name, csv, rows, columns, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, ownerId, name, csv, shape.rows, JSON.stringify(shape.columns), Date.now());
    return id;
  }

  /** An uploaded data set's description, or undefined. */
  datasetInfo(id: string): { id: string; ownerId: string; name: string; rows: number; columns: string[] } | undefined {
    const row = this.db.prepare('SELECT id, owner_id, name, rows, columns FROM datasets WHERE id = ?').get(id) as { id: string; owner_id: string; name: string; rows: number; columns: string } | undefined;
    return row && { id: row.id, ownerId: row.owner_id, name: row.name, rows: row.rows, columns: JSON.parse(row.columns) };
  }

  /** An uploaded data set's UTF-8 bytes (databases written before kept text). */
  datasetCsv(id: string): Uint8Array | undefined {
    const csv = (this.db.prepare('SELECT csv FROM datasets WHERE id = ?').get(id) as { csv: Buffer | string } | undefined)?.csv;
    return typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  }

  /** Stores a model (unpublished, private) in its JSON form. */
  addModel(ownerId: string, name: string, model: Model): string {
    return this.addModelJson(ownerId, name, JSON.stringify(model.toJSON()), summarizeModel(model));
  }

  /** Stores a model file already validated (on a worker) with its summary. */
  addModelJson(ownerId: string, name: string, json: string, summary: ModelSummary): string {
    const id = newId('m');
    this.db.prepare('INSERT INTO models (id, owner_id, name, kind, json, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, ownerId, name, summary.kind, json, JSON.stringify(summary), Date.now());
    return id;
  }

  /** The model file of a stored model. */
  modelJson(id: string): string {
    const row = this.db.prepare('SELECT json FROM models WHERE id = ?').get(id) as { json: string } | undefined;
    if (!row) throw new ThreatlabError('not-found', `no model "${id}"`);
    return row.json;
  }

  /** Publishes a model with a price per row (units, at most 6 decimals), a policy and a visibility. */
  publish(modelId: string, publication: { price: number; policy: OutputPolicy; visibility: Visibility; monitor?: MonitorSettings }): ModelRecord {
    const micros = priceToMicros(publication.price);
    this.db
      .prepare('UPDATE models SET price_micros = ?, policy = ?, visibility = ?, monitor = ?, published = 1 WHERE id = ?')
      .run(micros, JSON.stringify(publication.policy), publication.visibility, publication.monitor ? JSON.stringify(publication.monitor) : null, modelId);
    this.modelCache.delete(modelId);
    return this.getModel(modelId)!;
  }

  /** A model's record, or undefined. */
  getModel(id: string): ModelRecord | undefined {
    const cached = this.modelCache.get(id);
    if (cached) return cached;
    const row = this.statements.model.get(id) as ModelRow | undefined;
    if (!row) return undefined;
    const record = this.modelRecord(row);
    this.modelCache.set(id, record, 1);
    return record;
  }

  private modelRecord(row: ModelRow): ModelRecord {
    return {
      id: row.id,
      ownerId: row.owner_id,
      name: row.name,
      kind: row.kind,
      summary: JSON.parse(row.summary!) as ModelSummary,
      policy: JSON.parse(row.policy) as OutputPolicy,
      price: microsToUnits(row.price_micros),
      priceMicros: row.price_micros,
      visibility: row.visibility,
      published: row.published === 1,
      createdAt: row.created_at,
      bytes: row.bytes,
      ...(row.monitor ? { monitor: JSON.parse(row.monitor) as MonitorSettings } : {}),
    };
  }

  /** Records that a key's queries to a model tripped its extraction monitor. */
  addAlert(keyId: string, modelId: string, alert: { detector: string; statistic: number; queries: number; action: MonitorAction }): void {
    this.db.prepare('INSERT INTO alerts (key_id, model_id, detector, statistic, queries, action, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(keyId, modelId, alert.detector, alert.statistic, alert.queries, alert.action, Date.now());
  }

  /** Alerts on the owner's models (by any key) and on the owner's keys. */
  alerts(ownerId: string): AlertRecord[] {
    const rows = this.db
      .prepare(
        `SELECT a.key_id AS keyId, k.prefix AS keyPrefix, a.model_id AS modelId, a.detector, a.statistic, a.queries, a.action, a.created_at AS createdAt
         FROM alerts a JOIN api_keys k ON k.id = a.key_id JOIN models m ON m.id = a.model_id
         WHERE m.owner_id = ? OR k.owner_id = ? ORDER BY a.id`,
      )
      .all(ownerId, ownerId) as (Omit<AlertRecord, 'createdAt'> & { createdAt: number })[];
    return rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
  }

  /** Databases written before summaries were kept: summarise each model once. */
  private fillSummaries(): void {
    const missing = this.db.prepare('SELECT id, json FROM models WHERE summary IS NULL').all() as { id: string; json: string }[];
    for (const { id, json } of missing) {
      this.db.prepare('UPDATE models SET summary = ? WHERE id = ?').run(JSON.stringify(summarizeModel(modelFromJson(JSON.parse(json), `model ${id}`))), id);
    }
  }

  /** Models an owner may see: their own, and others' published public ones. */
  listModels(ownerId: string): ModelRecord[] {
    const rows = this.db
      .prepare(`SELECT ${MODEL_COLUMNS} FROM models WHERE owner_id = ? OR (published = 1 AND visibility = 'public') ORDER BY created_at, id`)
      .all(ownerId) as ModelRow[];
    return rows.map((row) => this.modelRecord(row));
  }

  /** Refuses (before any work) a request of `rows` that the key's or the account's budget cannot pay for. */
  checkBudget(key: KeyRecord, rows: number): void {
    // Neither budget set when the key was read: nothing to refuse early (the charge, which reads
    // the current budgets, still refuses exactly should the operator have set one since).
    if (key.budget === undefined && key.ownerBudget === undefined) return;
    const left = this.statements.remaining.get(key.id) as { key_left: number | null; owner_left: number | null } | undefined;
    if (left && ((left.key_left !== null && rows > left.key_left) || (left.owner_left !== null && rows > left.owner_left))) throw this.budgetError(key.id, rows);
  }

  private budgetError(keyId: string, rows: number): BudgetExceededError {
    const row = this.statements.remaining.get(keyId) as { key_left: number | null; key_budget: number | null; key_used: number; owner_budget: number | null; owner_used: number };
    if (row.key_budget !== null && row.key_left !== null && rows > row.key_left) return new BudgetExceededError(row.key_budget, row.key_used, rows);
    const error = new BudgetExceededError(row.owner_budget ?? 0, row.owner_used, rows);
    error.message = `the account's query budget is exhausted: ${row.owner_used} of ${row.owner_budget} rows used by its keys, ${rows} more requested; ask the operator to raise the account's budget`;
    return error;
  }

  /** Records an answered request of `rows` at `priceMicros` a row, refusing it (writing nothing) when it would pass a budget. */
  recordQuery(key: KeyRecord, modelId: string, rows: number, priceMicros: number): { queryId: number; costMicros: number } {
    const costMicros = rows * priceMicros;
    return { queryId: this.charge(key.id, key.ownerId, modelId, rows, costMicros), costMicros };
  }

  /**
   * `recordQuery` by group commit: the requests that arrive within one turn of the event loop are
   * charged in one transaction (each in a savepoint of its own, so a refused one still writes
   * nothing and the others stand), and each promise settles once that transaction has committed:
   * an answer sent after it is on disk as before (a SIGKILL loses nothing answered), but a commit
   * (its WAL pages and their write) is paid once per batch instead of once per request.
   */
  recordQueryGrouped(key: KeyRecord, modelId: string, rows: number, priceMicros: number): Promise<{ queryId: number; costMicros: number }> {
    return new Promise((resolve, reject) => {
      this.pendingCharges.push({ key, modelId, rows, priceMicros, resolve, reject });
      if (this.pendingCharges.length === 1) setImmediate(() => this.flushCharges());
    });
  }

  /** Commits the waiting charges in one transaction, then settles each. */
  private flushCharges(): void {
    const batch = this.pendingCharges;
    if (batch.length === 0) return;
    this.pendingCharges = [];
    const outcomes: ChargeOutcome[] = [];
    try {
      this.chargeBatch(batch, outcomes);
    } catch (error) {
      const failure = new ThreatlabError('internal', `the query ledger could not be written: ${(error as Error).message}; the request was not charged, retry it`, { cause: error });
      for (const charge of batch) charge.reject(failure);
      return;
    }
    batch.forEach((charge, i) => {
      const outcome = outcomes[i];
      if ('error' in outcome) charge.reject(outcome.error);
      else charge.resolve(outcome);
    });
  }

  /** Rows a key has queried. */
  queriesUsed(keyId: string): number {
    return (this.db.prepare('SELECT used FROM api_keys WHERE id = ?').get(keyId) as { used: number } | undefined)?.used ?? 0;
  }

  /** Requests, rows and cost per key and model (the ledger's running totals): of the owner's keys (`by: 'keys'`) or on the owner's models by any key (`by: 'models'`). */
  usage(ownerId: string, by: 'keys' | 'models' = 'keys'): UsageRow[] {
    const where = by === 'keys' ? 'k.owner_id = ?' : 'm.owner_id = ?';
    const rows = this.db
      .prepare(
        `SELECT t.key_id AS keyId, k.prefix AS keyPrefix, o.name AS owner, t.model_id AS modelId, t.requests, t.rows AS queries, t.cost_micros AS costMicros
         FROM ledger_totals t JOIN api_keys k ON k.id = t.key_id JOIN owners o ON o.id = k.owner_id JOIN models m ON m.id = t.model_id
         WHERE ${where} ORDER BY t.key_id, t.model_id`,
      )
      .all(ownerId) as Omit<UsageRow, 'cost'>[];
    return rows.map((row) => ({ ...row, cost: microsToUnits(row.costMicros) }));
  }

  /** Every ledger id (for reliability checks). */
  ledgerIds(): number[] {
    return (this.db.prepare('SELECT id FROM ledger ORDER BY id').all() as { id: number }[]).map((row) => row.id);
  }

  /** Queues a job for an owner. */
  addJob(ownerId: string, request: unknown): JobRecord {
    const id = newId('job');
    this.db.prepare("INSERT INTO jobs (id, owner_id, status, progress, request, created_at) VALUES (?, ?, 'queued', 0, ?, ?)").run(id, ownerId, JSON.stringify(request), Date.now());
    return this.getJob(id)!;
  }

  getJob(id: string): JobRecord | undefined {
    const row = this.db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`).get(id) as JobRow | undefined;
    return row && jobRecord(row);
  }

  /** Jobs queued or running: all, or one owner's. */
  activeJobs(ownerId?: string): number {
    const sql = "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')" + (ownerId ? ' AND owner_id = ?' : '');
    return (this.db.prepare(sql).get(...(ownerId ? [ownerId] : [])) as { n: number }).n;
  }

  jobStarted(id: string): void {
    this.db.prepare("UPDATE jobs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'").run(Date.now(), id);
  }

  jobProgress(id: string, progress: number): void {
    this.db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND status = 'running'").run(Math.min(1, Math.max(0, progress)), id);
  }

  /** Stores a job's model and marks the job done, in one transaction; a job that was cancelled meanwhile stays so and stores nothing. */
  jobSucceeded(id: string, model: { ownerId: string; name: string; json: string; summary: ModelSummary }, result: Record<string, unknown>): string | undefined {
    return this.db.transaction(() => {
      if (!this.jobOpen(id)) return undefined;
      const modelId = this.addModelJson(model.ownerId, model.name, model.json, model.summary);
      this.db.prepare("UPDATE jobs SET status = 'succeeded', progress = 1, model_id = ?, result = ?, finished_at = ? WHERE id = ?").run(modelId, JSON.stringify(result), Date.now(), id);
      return modelId;
    })();
  }

  /** An audit job's end: its summary, and the full records and page kept for GET /v1/jobs/ID/report.* (not for a cancelled job). */
  auditSucceeded(id: string, summary: Record<string, unknown>, report: { json: string; html: string }): void {
    this.db
      .prepare("UPDATE jobs SET status = 'succeeded', progress = 1, result = ?, report_json = ?, report_html = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')")
      .run(JSON.stringify(summary), report.json, report.html, Date.now(), id);
  }

  /** An audit job's report, as records (JSON) or page (HTML). */
  jobReport(id: string, format: 'json' | 'html'): string | undefined {
    const row = this.db.prepare(`SELECT ${format === 'json' ? 'report_json' : 'report_html'} AS report FROM jobs WHERE id = ?`).get(id) as { report: string | null } | undefined;
    return row?.report ?? undefined;
  }

  /** An owner's most recent jobs, newest first. */
  listJobs(ownerId: string, limit = 20): JobRecord[] {
    return (this.db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE owner_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(ownerId, limit) as JobRow[]).map(jobRecord);
  }

  /** The succeeded training job that made a model (its request says the data, seed and split). */
  trainingJobOf(modelId: string): JobRecord | undefined {
    const row = this.db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE model_id = ? AND status = 'succeeded' ORDER BY created_at LIMIT 1`).get(modelId) as JobRow | undefined;
    return row && jobRecord(row);
  }

  /** A job's failure (a job cancelled meanwhile stays cancelled). */
  jobFailed(id: string, error: { code: string; message: string }): void {
    this.db.prepare("UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')").run(error.code, error.message, Date.now(), id);
  }

  /** Cancels a queued or running job; false when it had ended already. */
  jobCancelled(id: string, message: string): boolean {
    return this.db.prepare("UPDATE jobs SET status = 'cancelled', error_code = 'cancelled', error_message = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')").run(message, Date.now(), id).changes > 0;
  }

  private jobOpen(id: string): boolean {
    const row = this.db.prepare('SELECT status FROM jobs WHERE id = ?').get(id) as { status: string } | undefined;
    return row?.status === 'queued' || row?.status === 'running';
  }

  /** Records the queue id of a job sent to a cluster. */
  jobRemote(id: string, remoteId: string): void {
    this.db.prepare('UPDATE jobs SET remote_id = ? WHERE id = ?').run(remoteId, id);
  }

  /**
   * Jobs left queued or running by a server that stopped: failed, with the reason — except, with
   * `keepRemote`, those sent to a cluster, which run on without the server; they are returned, to
   * be picked up again.
   */
  failInterruptedJobs(options: { keepRemote?: boolean } = {}): JobRecord[] {
    const keep = options.keepRemote ? 'AND remote_id IS NULL' : '';
    this.db
      .prepare(`UPDATE jobs SET status = 'failed', error_code = 'internal', error_message = 'the server stopped before the job finished; submit it again', finished_at = ? WHERE status IN ('queued', 'running') ${keep}`)
      .run(Date.now());
    return (this.db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at, rowid`).all() as JobRow[]).map(jobRecord);
  }

  /** SQLite's integrity check ("ok" when the file is sound). */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    this.flushCharges();
    this.db.close();
  }
}
