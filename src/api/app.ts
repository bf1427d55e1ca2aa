/**
 * The prediction API as a Hono app: routes map requests onto the PredictionService and every
 * failure onto a JSON error `{ error: { code, message, issues? } }` with its status. The app is
 * a plain `fetch` handler, testable with `app.request(...)` and no socket (listen.ts serves it).
 *
 *   POST /v1/keys                    create a key (new owner; or, authenticated, another key of yours)
 *   POST /v1/datasets?name=N         upload a CSV (text/csv body)
 *   POST /v1/models?name=N           upload a model file (threatlab JSON)
 *   POST /v1/models/train            train on an uploaded data set
 *   POST /v1/models/:id/publish      price, output policy, visibility
 *   GET  /v1/models                  models you may query
 *   GET  /v1/models/:id              what the service reveals about a model
 *   POST /v1/models/:id/predict      answer rows (charged and recorded in the ledger)
 *   GET  /v1/usage                   requests, queries and cost per key and model
 */

import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { parseCsv } from '../data/loaders/csv.ts';
import { ThreatlabError, ValidationError } from '../errors.ts';
import { errorBody, statusOf } from './http-errors.ts';
import { createKeyRequest, predictRequest, publishRequest, trainRequest } from './protocol.ts';
import { RateLimitedError, RateLimiter } from './rate-limiter.ts';
import { PredictionService } from './service.ts';
import type { Store } from './store.ts';

/** Limits of the app. */
export interface AppOptions {
  /** Largest predict/publish/key request body, bytes (1 MiB by default). */
  maxBodyBytes?: number;
  /** Largest upload (CSV or model file), bytes (32 MiB by default). */
  maxUploadBytes?: number;
  limiter?: RateLimiter;
}

/**
 * The body as text, refused with 413 past `limit` bytes: by Content-Length before reading when
 * the client sent one (hono's bodyLimit middleware costs ~70 µs a request), else after reading.
 */
async function bodyText(c: Context, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length'));
  if (declared > limit) throw new ThreatlabError('payload-too-large', `the request body of ${declared} bytes exceeds ${limit}; send fewer rows per request`);
  const text = await c.req.text();
  if (!(declared >= 0) && Buffer.byteLength(text) > limit) throw new ThreatlabError('payload-too-large', `the request body exceeds ${limit} bytes; send fewer rows per request`);
  return text;
}

async function jsonBody<T extends z.ZodTypeAny>(c: Context, schema: T, limit: number): Promise<z.infer<T>> {
  const text = await bodyText(c, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ThreatlabError('parse-error', 'the request body is not valid JSON (NaN and Infinity are not JSON: send null for a missing value)');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError('invalid request', parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })));
  }
  return parsed.data;
}

/** Builds the app over a store. */
export function createApp(store: Store, options: AppOptions = {}): Hono {
  const service = new PredictionService(store, options.limiter ?? new RateLimiter());
  const small = options.maxBodyBytes ?? 1 << 20;
  const large = options.maxUploadBytes ?? 32 << 20;
  const app = new Hono();

  app.onError((error, c) => {
    const failure = error instanceof ThreatlabError ? error : new ThreatlabError('internal', `internal error: ${error.message}`);
    if (failure instanceof RateLimitedError) c.header('Retry-After', String(failure.retryAfterSeconds));
    return c.json(errorBody(failure), statusOf(failure.code));
  });
  app.notFound((c) => c.json(errorBody(new ThreatlabError('not-found', `no route ${c.req.method} ${c.req.path}; see the README for the API`)), 404));

  const auth = (c: Context) => {
    const key = service.authenticate(c.req.header('authorization'));
    service.throttle(key);
    return key;
  };

  app.post('/v1/keys', async (c) => {
    const header = c.req.header('authorization');
    const request = await jsonBody(c, createKeyRequest, small);
    const caller = header ? auth(c) : undefined;
    const { key, record } = store.createKey({ ownerId: caller?.ownerId, ownerName: request.owner, budget: request.budget, rateLimit: request.rateLimit });
    return c.json({ key, keyId: record.id, owner: record.ownerName, budget: record.budget ?? null, rateLimit: record.rateLimit ?? null, note: 'store this key now: it is never shown again' }, 201);
  });

  app.post('/v1/datasets', async (c) => {
    const key = auth(c);
    const csv = await bodyText(c, large);
    if (csv.trim() === '') throw new ThreatlabError('empty-file', 'the uploaded CSV is empty');
    const name = c.req.query('name') ?? 'upload.csv';
    const table = parseCsv(csv, name);
    const id = store.addDataset(key.ownerId, name, csv);
    return c.json({ id, name, rows: table.rows.length, columns: table.columns }, 201);
  });

  app.post('/v1/models/train', async (c) => {
    const key = auth(c);
    return c.json(await service.train(key, await jsonBody(c, trainRequest, small)), 201);
  });

  app.post('/v1/models', async (c) => {
    const key = auth(c);
    const text = await bodyText(c, large);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ThreatlabError('parse-error', 'the uploaded model is not valid JSON; upload a file written by threatlab train');
    }
    return c.json(service.uploadModel(key, json, c.req.query('name') ?? 'uploaded model'), 201);
  });

  app.post('/v1/models/:id/publish', async (c) => {
    const key = auth(c);
    return c.json(service.publish(key, c.req.param('id'), await jsonBody(c, publishRequest, small)));
  });

  app.get('/v1/models', (c) => {
    const key = auth(c);
    return c.json({ models: store.listModels(key.ownerId).map((record) => service.info(key, record.id)) });
  });

  app.get('/v1/models/:id', (c) => c.json(service.info(auth(c), c.req.param('id'))));

  app.post('/v1/models/:id/predict', async (c) => {
    const key = auth(c);
    return c.json(service.predict(key, c.req.param('id'), await jsonBody(c, predictRequest, small)));
  });

  app.get('/v1/usage', (c) => {
    const key = auth(c);
    const rows = store.usage(key.ownerId);
    const totals = rows.reduce((sum, row) => ({ requests: sum.requests + row.requests, queries: sum.queries + row.queries, cost: sum.cost + row.cost }), { requests: 0, queries: 0, cost: 0 });
    return c.json({ owner: key.ownerName, usage: rows, totals });
  });

  return app;
}
