/**
 * The database schema, and the migration of a database written by an earlier threatlab: new
 * columns are added and filled (prices and costs from floats to integer micro-units), duplicate
 * owner names are renamed before names become unique, and nothing stored is dropped.
 */

import type Database from 'better-sqlite3';

/** Bumped with every change below. */
const VERSION = 6;

const TABLES = `
CREATE TABLE IF NOT EXISTS owners (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, budget INTEGER, used INTEGER NOT NULL DEFAULT 0, rate_limit REAL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL, budget INTEGER, rate_limit REAL, used INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, csv TEXT NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0, columns TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS models (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), name TEXT NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL, summary TEXT,
  policy TEXT NOT NULL DEFAULT '{"kind":"full"}', price_micros INTEGER NOT NULL DEFAULT 0, visibility TEXT NOT NULL DEFAULT 'private',
  published INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, monitor TEXT);
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL REFERENCES api_keys(id), model_id TEXT NOT NULL REFERENCES models(id),
  detector TEXT NOT NULL, statistic REAL NOT NULL, queries INTEGER NOT NULL, action TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL REFERENCES api_keys(id), model_id TEXT NOT NULL REFERENCES models(id),
  rows INTEGER NOT NULL, cost_micros INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES owners(id), status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0,
  request TEXT NOT NULL, model_id TEXT REFERENCES models(id), result TEXT, error_code TEXT, error_message TEXT,
  created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, report_json TEXT, report_html TEXT, remote_id TEXT);
CREATE TABLE IF NOT EXISTS ledger_totals (
  key_id TEXT NOT NULL, model_id TEXT NOT NULL, requests INTEGER NOT NULL, rows INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
  PRIMARY KEY (key_id, model_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_model ON alerts(model_id);
`;

function columns(db: Database.Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name));
}

/** Version 1 (before accounts and integer money) to 2. */
function fromVersion1(db: Database.Database): void {
  const add = (table: string, column: string, definition: string) => {
    if (!columns(db, table).has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  };
  add('owners', 'budget', 'INTEGER');
  add('owners', 'used', 'INTEGER NOT NULL DEFAULT 0');
  add('owners', 'rate_limit', 'REAL');
  add('datasets', 'rows', 'INTEGER NOT NULL DEFAULT 0');
  add('datasets', 'columns', "TEXT NOT NULL DEFAULT '[]'");
  add('models', 'summary', 'TEXT');
  if (!columns(db, 'models').has('price_micros')) {
    db.exec('ALTER TABLE models ADD COLUMN price_micros INTEGER NOT NULL DEFAULT 0');
    db.exec('UPDATE models SET price_micros = CAST(ROUND(price * 1000000) AS INTEGER)');
    db.exec('ALTER TABLE models DROP COLUMN price');
  }
  if (!columns(db, 'ledger').has('cost_micros')) {
    db.exec('ALTER TABLE ledger ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0');
    db.exec('UPDATE ledger SET cost_micros = CAST(ROUND(cost * 1000000) AS INTEGER)');
    db.exec('ALTER TABLE ledger DROP COLUMN cost');
  }
  // Owner names become unique: later owners of a taken name get a numbered one.
  const duplicates = db.prepare('SELECT id, name FROM owners o WHERE EXISTS (SELECT 1 FROM owners p WHERE p.name = o.name AND (p.created_at < o.created_at OR (p.created_at = o.created_at AND p.id < o.id))) ORDER BY created_at, id').all() as { id: string; name: string }[];
  for (const { id, name } of duplicates) {
    let n = 2;
    while (db.prepare('SELECT 1 FROM owners WHERE name = ?').get(`${name} (${n})`)) n++;
    db.prepare('UPDATE owners SET name = ? WHERE id = ?').run(`${name} (${n})`, id);
  }
}

/** Version 2 to 3: audit jobs keep their report (records and page). */
function fromVersion2(db: Database.Database): void {
  for (const column of ['report_json', 'report_html']) {
    if (!columns(db, 'jobs').has(column)) db.exec(`ALTER TABLE jobs ADD COLUMN ${column} TEXT`);
  }
}

/** Version 3 to 4: models may carry an extraction monitor (the alerts table is new). */
function fromVersion3(db: Database.Database): void {
  if (!columns(db, 'models').has('monitor')) db.exec('ALTER TABLE models ADD COLUMN monitor TEXT');
}

/** Version 4 to 5: a job run on a cluster keeps its queue id, so a restarted server picks it up again. */
function fromVersion4(db: Database.Database): void {
  if (!columns(db, 'jobs').has('remote_id')) db.exec('ALTER TABLE jobs ADD COLUMN remote_id TEXT');
}

/**
 * Version 5 to 6: the usage report reads running totals per key and model (`ledger_totals`, kept in
 * each charge's transaction) instead of grouping the whole ledger, and the ledger loses its two
 * indexes (by key, by model), which only that report read: each commit wrote a page of each.
 */
function fromVersion5(db: Database.Database): void {
  db.exec(TABLES);
  db.exec('INSERT INTO ledger_totals (key_id, model_id, requests, rows, cost_micros) SELECT key_id, model_id, COUNT(*), SUM(rows), SUM(cost_micros) FROM ledger GROUP BY key_id, model_id');
  db.exec('DROP INDEX IF EXISTS ledger_key; DROP INDEX IF EXISTS ledger_model');
}

/** Creates or upgrades the schema, in one transaction. */
export function migrate(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version > VERSION) throw new Error(`the database was written by a newer threatlab (schema ${version}, this one reads up to ${VERSION}); upgrade threatlab`);
  if (version === VERSION) return;
  // IMMEDIATE: the write lock is taken (waiting on busy_timeout) before the first read.
  db.transaction(() => {
    const existing = columns(db, 'owners').size > 0;
    if (existing && version < 2) fromVersion1(db);
    if (existing && version < 3 && columns(db, 'jobs').size > 0) fromVersion2(db);
    if (existing && version < 4 && columns(db, 'models').size > 0) fromVersion3(db);
    if (existing && version < 5 && columns(db, 'jobs').size > 0) fromVersion4(db);
    if (existing && version < 6 && columns(db, 'ledger').size > 0) fromVersion5(db);
    db.exec(TABLES);
    db.exec('CREATE UNIQUE INDEX IF NOT EXISTS owners_name ON owners(name)');
    db.pragma(`user_version = ${VERSION}`);
  }).immediate();
}
