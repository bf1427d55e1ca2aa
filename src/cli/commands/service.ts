/**
 * `threatlab serve`, `threatlab owners create`, `threatlab keys create`, `threatlab publish`: run
 * the prediction API and administer its database directly (the operator's side of an MLaaS).
 */

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServerLimits } from '../../api/limits.ts';
import { DEFAULT_DB } from './service-options.ts';
import { startServer, type RunningServer } from '../../api/listen.ts';
import { redacted } from '../../cluster/redis.ts';
import { referenceRowsOf } from '../../api/extraction-watch.ts';
import { loadCsv } from '../../data/loaders/csv.ts';
import { summarizeModel } from '../../models/summary.ts';
import { Store, type MonitorAction, type MonitorSettings, type Visibility } from '../../api/store.ts';
import { ThreatlabError } from '../../errors.ts';
import { loadUserModel } from '../../models/load-model.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { infoOf } from '../../oracle/local-oracle.ts';
import { formatPolicy, parsePolicy } from '../../oracle/policy.ts';
import { asUsage, printResult, type CliIo, type CommonOptions } from '../io.ts';


/** Opens the database; its folder must exist (the default `.threatlab/` is created), and with `mustExist` the file too. */
function openStore(db: string, mustExist = false): Store {
  if (db !== ':memory:') {
    if (mustExist && !existsSync(db)) throw new ThreatlabError('file-not-found', `no database ${db}; start threatlab serve --db ${db} or create an owner with threatlab owners create NAME --db ${db} first`);
    if (!existsSync(dirname(db))) {
      if (db !== DEFAULT_DB) throw new ThreatlabError('file-not-found', `the folder ${dirname(db)} of --db ${db} does not exist; create it or choose another path`);
      Store.ensureFolder(db);
    }
  }
  return Store.open(db);
}


/** Options of `serve`. */
export interface ServeOptions extends CommonOptions {
  db: string;
  port: number;
  host: string;
  adminToken?: string;
  limit?: Partial<ServerLimits>;
  /** Run training and audit jobs on `threatlab worker` processes behind this Redis. */
  redis?: string;
}

/** Starts the server and returns it (the CLI keeps the process alive until a signal). */
export async function runServe(io: CliIo, options: ServeOptions): Promise<RunningServer> {
  openStore(options.db).close();
  const adminToken = options.adminToken ?? process.env.THREATLAB_ADMIN_TOKEN;
  const server = await startServer({ db: options.db, port: options.port, host: options.host, adminToken, limits: options.limit, redis: options.redis });
  const jobs = options.redis ? `threatlab worker processes through ${redacted(options.redis)}` : 'a worker thread of this server';
  const resumed = server.resumed > 0 ? `; following ${server.resumed} job${server.resumed === 1 ? '' : 's'} the previous run left on the cluster` : '';
  printResult(io, options, { url: server.url, db: options.db, jobs, resumed: server.resumed }, () => `threatlab serving on ${server.url} (database ${options.db}; jobs on ${jobs}${resumed}); Ctrl-C stops it`);
  return server;
}

/** Options of `owners create`. */
export interface OwnersOptions extends CommonOptions {
  db: string;
  budget?: number;
  rate?: number;
}

/** Creates an owner (a unique name, with an account budget and rate limit) and its first key. */
export function runOwnersCreate(io: CliIo, name: string, options: OwnersOptions): void {
  const store = openStore(options.db);
  try {
    const { key, record } = store.createOwner({ name, budget: options.budget, rateLimit: options.rate });
    const result = { key, keyId: record.id, owner: record.ownerName, accountBudget: options.budget ?? null, accountRateLimit: options.rate ?? null };
    printResult(io, options, result, () => `${key}\n(first key ${record.id} of new owner "${record.ownerName}"; store it now: it is never shown again)`);
  } finally {
    store.close();
  }
}

/** Options of `keys create`. */
export interface KeysOptions extends CommonOptions {
  db: string;
  owner: string;
  budget?: number;
  rate?: number;
}

/** Creates a further key of an existing owner; prints the key (the only time it is shown). */
export function runKeysCreate(io: CliIo, options: KeysOptions): void {
  const store = openStore(options.db, true);
  try {
    const ownerId = store.ownerByName(options.owner);
    if (!ownerId) throw new ThreatlabError('not-found', `no owner "${options.owner}" in ${options.db}; create it with threatlab owners create ${options.owner}`);
    const { key, record } = store.createKey({ ownerId, budget: options.budget, rateLimit: options.rate });
    const result = { key, keyId: record.id, owner: record.ownerName, budget: record.budget ?? null, rateLimit: record.rateLimit ?? null };
    printResult(io, options, result, () => `${key}\n(key ${record.id} of owner "${record.ownerName}"; store it now: it is never shown again)`);
  } finally {
    store.close();
  }
}

/** Options of `publish`. */
export interface PublishOptions extends CommonOptions {
  db: string;
  key: string;
  price: number;
  policy: string;
  visibility: Visibility;
  name?: string;
  /** The model description of a tfjs or ONNX file. */
  schema?: string;
  /** The extraction monitor's action, and PRADA's threshold. */
  monitor?: string;
  monitorThreshold?: number;
  /** Natural rows (CSV) for the off-manifold detector. */
  monitorReference?: string;
}

const MONITOR_ACTIONS: readonly MonitorAction[] = ['log', 'alert', 'slow', 'refuse'];

/** The monitor settings of `--monitor` / `--monitor-threshold`. */
function monitorSettings(options: PublishOptions): Omit<MonitorSettings, 'reference'> | undefined {
  if (options.monitor === undefined) {
    if (options.monitorThreshold !== undefined || options.monitorReference !== undefined) throw new ThreatlabError('usage', '--monitor-threshold and --monitor-reference need --monitor ACTION (log, alert, slow or refuse)');
    return undefined;
  }
  if (!MONITOR_ACTIONS.includes(options.monitor as MonitorAction)) throw new ThreatlabError('usage', `--monitor ${options.monitor}: give one of ${MONITOR_ACTIONS.join(', ')}`);
  const threshold = options.monitorThreshold ?? 0.9;
  if (!(threshold > 0 && threshold < 1)) throw new ThreatlabError('usage', `--monitor-threshold ${options.monitorThreshold}: give a W in (0, 1), e.g. 0.9`);
  return { action: options.monitor as MonitorAction, threshold };
}

/** Stores a model file (threatlab JSON, tfjs or ONNX, converted) for the key's owner and publishes it. */
export async function runPublish(io: CliIo, modelPath: string, options: PublishOptions): Promise<void> {
  const policy = asUsage(() => parsePolicy(options.policy));
  const monitor = monitorSettings(options);
  const { model } = await loadUserModel(modelPath, options.schema ? readModelDescription(options.schema) : undefined);
  infoOf(model, policy);
  // Read before anything is stored: a bad reference file leaves the database as it was.
  const reference = monitor && options.monitorReference ? referenceRowsOf(summarizeModel(model), loadCsv(options.monitorReference), 'monitor-reference') : undefined;
  const store = openStore(options.db, true);
  try {
    const key = store.findKey(options.key);
    if (!key) throw new ThreatlabError('unauthorized', `unknown API key for database ${options.db}; create one with threatlab owners create NAME`);
    const id = store.addModel(key.ownerId, options.name ?? modelPath.replace(/^.*[\\/]/, ''), model);
    const record = store.publish(id, { price: options.price, policy, visibility: options.visibility, monitor: monitor && { ...monitor, reference } });
    const result = { modelId: id, kind: model.kind, price: record.price, policy: formatPolicy(policy), visibility: record.visibility, monitor: monitor ?? null };
    printResult(io, options, result, () => `published ${model.kind} model as ${id}: ${formatPolicy(policy)}, ${record.price} per query, ${record.visibility}${monitor ? `, extraction monitor: ${monitor.action} below W = ${monitor.threshold}` : ''}`);
  } finally {
    store.close();
  }
}

export { DEFAULT_DB, parseLimit } from './service-options.ts';
