/**
 * `threatlab serve`, `threatlab keys create`, `threatlab publish`: run the prediction API and
 * administer its database directly (the owner's side of an MLaaS).
 */

import { startServer, type RunningServer } from '../../api/listen.ts';
import { Store, type Visibility } from '../../api/store.ts';
import { ThreatlabError } from '../../errors.ts';
import { loadModelFile } from '../../models/registry.ts';
import { infoOf } from '../../oracle/local-oracle.ts';
import { formatPolicy, parsePolicy } from '../../oracle/policy.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';

/** Where the database lives unless --db says otherwise. */
export const DEFAULT_DB = '.threatlab/threatlab.sqlite';

/** Options of `serve`. */
export interface ServeOptions extends CommonOptions {
  db: string;
  port: number;
  host: string;
}

/** Starts the server and returns it (the CLI keeps the process alive until a signal). */
export async function runServe(io: CliIo, options: ServeOptions): Promise<RunningServer> {
  const server = await startServer({ db: options.db, port: options.port, host: options.host });
  printResult(io, options, { url: server.url, db: options.db }, () => `threatlab serving on ${server.url} (database ${options.db}); Ctrl-C stops it`);
  return server;
}

/** Options of `keys create`. */
export interface KeysOptions extends CommonOptions {
  db: string;
  owner?: string;
  budget?: number;
  rate?: number;
}

/** Creates an owner and a key; prints the key (the only time it is shown). */
export function runKeysCreate(io: CliIo, options: KeysOptions): void {
  const store = Store.open(options.db);
  try {
    // The administrator's tool: --owner names an existing owner (a further key) or a new one.
    const ownerId = options.owner ? store.ownerByName(options.owner) : undefined;
    const { key, record } = store.createKey({ ownerId, ownerName: options.owner, budget: options.budget, rateLimit: options.rate });
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
}

/** Stores a model file for the key's owner and publishes it. */
export function runPublish(io: CliIo, modelPath: string, options: PublishOptions): void {
  const policy = parsePolicy(options.policy);
  const model = loadModelFile(modelPath);
  infoOf(model, policy);
  const store = Store.open(options.db);
  try {
    const key = store.findKey(options.key);
    if (!key) throw new ThreatlabError('unauthorized', `unknown API key for database ${options.db}; create one with threatlab keys create`);
    const id = store.addModel(key.ownerId, options.name ?? modelPath.replace(/^.*[\\/]/, ''), model);
    const record = store.publish(id, { price: options.price, policy, visibility: options.visibility });
    const result = { modelId: id, kind: model.kind, price: record.price, policy: formatPolicy(policy), visibility: record.visibility };
    printResult(io, options, result, () => `published ${model.kind} model as ${id}: ${formatPolicy(policy)}, ${record.price} per query, ${record.visibility}`);
  } finally {
    store.close();
  }
}
