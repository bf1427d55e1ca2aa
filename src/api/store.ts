/**
 * The service's storage: SQLite through better-sqlite3, WAL mode, created on first open.
 * Owners, API keys (only a SHA-256 of each key is kept; the key is shown once), uploaded data
 * sets, models with their publication (price, output policy, visibility), and the query ledger.
 * A query is recorded in the same transaction that checks the key's budget, so a refused request
 * writes nothing and every answered one is on disk before its answer leaves.
 */

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BudgetExceededError, ThreatlabError } from '../errors.ts';
import type { Model } from '../models/types.ts';
import type { OutputPolicy } from '../oracle/types.ts';

/** An API key as stored (never the key itself). */
export interface KeyRecord {
  id: string;
  ownerId: string;
  ownerName: string;
  prefix: string;
  /** Rows this key may query in total; undefined: unlimited. */
  budget?: number;
  /** Requests per second; undefined: unlimited. */
  rateLimit?: number;
  createdAt: number;
}

/** Who may query a published model. */
export type Visibility = 'private' | 'public';

/** A stored model. */
export interface ModelRecord {
  id: string;
  ownerId: string;
  name: string;
  kind: string;
  json: string;
  policy: OutputPolicy;
  price: number;
  visibility: Visibility;
  published: boolean;
  createdAt: number;
}

/** Usage of one key on one model. */
export interface UsageRow {
  keyId: string;
  keyPrefix: string;
  modelId: string;
  requests: number;
  queries: number;
  cost: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS owners (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL, budget INTEGER, rate_limit REAL, used INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, csv TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS models (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL,
  policy TEXT NOT NULL DEFAULT '{"kind":"full"}', price REAL NOT NULL DEFAULT 0, visibility TEXT NOT NULL DEFAULT 'private',
  published INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL REFERENCES api_keys(id), model_id TEXT NOT NULL REFERENCES models(id),
  rows INTEGER NOT NULL, cost REAL NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_key ON ledger(key_id);
`;

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

/** SHA-256 of an API key, hex. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

interface KeyRow {
  id: string;
  owner_id: string;
  owner_name: string;
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
  json: string;
  policy: string;
  price: number;
  visibility: Visibility;
  published: number;
  created_at: number;
}

function keyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    prefix: row.prefix,
    budget: row.budget ?? undefined,
    rateLimit: row.rate_limit ?? undefined,
    createdAt: row.created_at,
  };
}

function modelRecord(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    kind: row.kind,
    json: row.json,
    policy: JSON.parse(row.policy) as OutputPolicy,
    price: row.price,
    visibility: row.visibility,
    published: row.published === 1,
    createdAt: row.created_at,
  };
}

/** The service's database. */
export class Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements: Record<string, Database.Statement>;
  private readonly record: (keyId: string, modelId: string, rows: number, cost: number, budget: number | undefined) => number;
  // Keys never change once created, and a model's record changes only through `publish` (which
  // refreshes it), so both are cached: two SQLite reads less per predict request.
  private readonly keyCache = new Map<string, KeyRecord>();
  private readonly modelCache = new Map<string, ModelRecord>();

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      keyByHash: prepare('SELECT k.*, o.name AS owner_name FROM api_keys k JOIN owners o ON o.id = k.owner_id WHERE k.key_hash = ?'),
      charge: prepare('UPDATE api_keys SET used = used + ? WHERE id = ? AND (budget IS NULL OR used + ? <= budget)'),
      insertLedger: prepare('INSERT INTO ledger (key_id, model_id, rows, cost, created_at) VALUES (?, ?, ?, ?, ?)'),
      model: prepare('SELECT * FROM models WHERE id = ?'),
    };
    // The key's running total is charged only if the budget allows it, and the ledger row is
    // written in the same transaction: a refused request changes nothing.
    this.record = db.transaction((keyId: string, modelId: string, rows: number, cost: number, budget: number | undefined) => {
      if (budget !== undefined && this.statements.charge.run(rows, keyId, rows).changes === 0) {
        throw new BudgetExceededError(budget ?? 0, this.queriesUsed(keyId), rows);
      }
      return Number(this.statements.insertLedger.run(keyId, modelId, rows, cost, Date.now()).lastInsertRowid);
    });
  }

  /** Opens (creating when absent) the database at `path` (`:memory:` for tests). */
  static open(path: string): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
    } catch (error) {
      throw new ThreatlabError('internal', `cannot open the database ${path}: ${(error as Error).message}; check the path and its permissions`, { cause: error });
    }
    return new Store(path, db);
  }

  /** Creates an API key: for an existing owner, or for a new owner named `ownerName`. Returns the key once. */
  createKey(options: { ownerId?: string; ownerName?: string; budget?: number; rateLimit?: number }): { key: string; record: KeyRecord } {
    const now = Date.now();
    const create = this.db.transaction(() => {
      let ownerId = options.ownerId;
      if (!ownerId) {
        ownerId = newId('own');
        this.db.prepare('INSERT INTO owners (id, name, created_at) VALUES (?, ?, ?)').run(ownerId, options.ownerName ?? ownerId, now);
      }
      const key = `tl_${randomBytes(24).toString('base64url')}`;
      const id = newId('key');
      this.db
        .prepare('INSERT INTO api_keys (id, owner_id, key_hash, prefix, budget, rate_limit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, ownerId, hashKey(key), key.slice(0, 7), options.budget ?? null, options.rateLimit ?? null, now);
      return { key, id };
    });
    const { key } = create();
    return { key, record: this.findKey(key)! };
  }

  /** The id of the first owner with this name, or undefined. */
  ownerByName(name: string): string | undefined {
    const row = this.db.prepare('SELECT id FROM owners WHERE name = ? ORDER BY created_at, id LIMIT 1').get(name) as { id: string } | undefined;
    return row?.id;
  }

  /** The record of a key, or undefined for an unknown key. */
  findKey(key: string): KeyRecord | undefined {
    const hash = hashKey(key);
    const cached = this.keyCache.get(hash);
    if (cached) return cached;
    const row = this.statements.keyByHash.get(hash) as KeyRow | undefined;
    if (!row) return undefined;
    const record = keyRecord(row);
    this.keyCache.set(hash, record);
    return record;
  }

  /** Stores an uploaded CSV. */
  addDataset(ownerId: string, name: string, csv: string): string {
    const id = newId('ds');
    this.db.prepare('INSERT INTO datasets (id, owner_id, name, csv, created_at) VALUES (?, ?, ?, ?, ?)').run(id, ownerId, name, csv, Date.now());
    return id;
  }

  /** An uploaded data set, or undefined. */
  getDataset(id: string): { id: string; ownerId: string; name: string; csv: string } | undefined {
    const row = this.db.prepare('SELECT id, owner_id, name, csv FROM datasets WHERE id = ?').get(id) as { id: string; owner_id: string; name: string; csv: string } | undefined;
    return row && { id: row.id, ownerId: row.owner_id, name: row.name, csv: row.csv };
  }

  /** Stores a model (unpublished, private) in its JSON form. */
  addModel(ownerId: string, name: string, model: Model): string {
    const id = newId('m');
    this.db.prepare('INSERT INTO models (id, owner_id, name, kind, json, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, ownerId, name, model.kind, JSON.stringify(model.toJSON()), Date.now());
    return id;
  }

  /** Publishes a model with a price, a policy and a visibility. */
  publish(modelId: string, publication: { price: number; policy: OutputPolicy; visibility: Visibility }): ModelRecord {
    this.db
      .prepare('UPDATE models SET price = ?, policy = ?, visibility = ?, published = 1 WHERE id = ?')
      .run(publication.price, JSON.stringify(publication.policy), publication.visibility, modelId);
    this.modelCache.delete(modelId);
    return this.getModel(modelId)!;
  }

  /** A model, or undefined. */
  getModel(id: string): ModelRecord | undefined {
    const cached = this.modelCache.get(id);
    if (cached) return cached;
    const row = this.statements.model.get(id) as ModelRow | undefined;
    if (!row) return undefined;
    const record = modelRecord(row);
    this.modelCache.set(id, record);
    return record;
  }

  /** Models an owner may see: their own, and others' published public ones. */
  listModels(ownerId: string): ModelRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM models WHERE owner_id = ? OR (published = 1 AND visibility = 'public') ORDER BY created_at, id")
      .all(ownerId) as ModelRow[];
    return rows.map(modelRecord);
  }

  /** Records an answered request, refusing it (writing nothing) when it would pass the key's budget. */
  recordQuery(key: KeyRecord, modelId: string, rows: number, cost: number): number {
    // Without a budget there is nothing to check: one INSERT is its own atomic transaction.
    if (key.budget === undefined) return Number(this.statements.insertLedger.run(key.id, modelId, rows, cost, Date.now()).lastInsertRowid);
    return this.record(key.id, modelId, rows, cost, key.budget);
  }

  /** Rows a key has queried (its running total for budgeted keys, the ledger's sum otherwise). */
  queriesUsed(keyId: string): number {
    const row = this.db.prepare('SELECT budget, used FROM api_keys WHERE id = ?').get(keyId) as { budget: number | null; used: number } | undefined;
    if (!row) return 0;
    if (row.budget !== null) return row.used;
    return (this.db.prepare('SELECT COALESCE(SUM(rows), 0) AS used FROM ledger WHERE key_id = ?').get(keyId) as { used: number }).used;
  }

  /** Requests, rows and cost per key and model, for one owner's keys. */
  usage(ownerId: string): UsageRow[] {
    return this.db
      .prepare(
        `SELECT l.key_id AS keyId, k.prefix AS keyPrefix, l.model_id AS modelId, COUNT(*) AS requests, SUM(l.rows) AS queries, SUM(l.cost) AS cost
         FROM ledger l JOIN api_keys k ON k.id = l.key_id WHERE k.owner_id = ? GROUP BY l.key_id, l.model_id ORDER BY l.key_id, l.model_id`,
      )
      .all(ownerId) as UsageRow[];
  }

  /** Every ledger id (for reliability checks). */
  ledgerIds(): number[] {
    return (this.db.prepare('SELECT id FROM ledger ORDER BY id').all() as { id: number }[]).map((row) => row.id);
  }

  /** SQLite's integrity check ("ok" when the file is sound). */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  close(): void {
    this.db.close();
  }
}
