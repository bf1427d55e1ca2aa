/**
 * The prediction API as a Hono app: routes map requests onto the PredictionService and every
 * failure onto a JSON error `{ error: { code, message, issues? } }` with its status. The app is
 * a plain `fetch` handler, testable with `app.request(...)` and no socket (listen.ts serves it).
 *
 *   GET  /v1/health                  liveness and the workers' load (no key)
 *   POST /v1/owners                  create an owner and its first key (the operator's admin token)
 *   POST /v1/keys                    another key of the caller's account, within its limits
 *   POST /v1/datasets?name=N         upload a CSV (text/csv body, parsed as it streams in)
 *   POST /v1/models?name=N           upload a model file (threatlab JSON)
 *   POST /v1/models/train            queue a training job (202) on an uploaded data set
 *   GET  /v1/jobs/:id                a job's status, progress and model id
 *   POST /v1/jobs/:id/cancel         cancels a queued or running job (409 once it has ended)
 *   POST /v1/models/:id/publish      price, output policy, visibility
 *   GET  /v1/models                  models you may query
 *   GET  /v1/models/:id              what the service reveals about a model
 *   POST /v1/models/:id/predict      answer rows (charged and recorded in the ledger): JSON, or
 *                                    float64 bytes as application/vnd.threatlab.rows+f64
 *   GET  /v1/usage                   your keys' usage, and every key's usage of your models
 *   /v2/…                            the Open Inference Protocol over the same models (oip.ts)
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { ThreatlabError, ValidationError } from '../errors.ts';
import { readBodyBytes, readBodyText } from './body.ts';
import { errorBody, statusOf } from './http-errors.ts';
import { addOpenInferenceRoutes } from './oip.ts';
import { resolveLimits, type ServerLimits } from './limits.ts';
import { microsToUnits } from './money.ts';
import { auditRequest, createKeyRequest, createOwnerRequest, predictRequest, publishRequest, ROWS_F64, trainRequest } from './protocol.ts';
import { RateLimitedError, RateLimiter } from './rate-limiter.ts';
import type { TaskRunner } from '../jobs/task-runner.ts';
import { PredictionService } from './service.ts';
import type { KeyRecord, Store } from './store.ts';
import { DASHBOARD_CSP, DASHBOARD_HTML, DASHBOARD_SCRIPT } from '../web/dashboard.ts';
import { plainIssues } from '../zod-issues.ts';

/** Settings of the app. */
export interface AppOptions {
  limits?: Partial<ServerLimits>;
  limiter?: RateLimiter;
  /** The operator's token for POST /v1/owners; without one that route is closed. */
  adminToken?: string;
  /** Where training and audit jobs run (default: a worker thread of this process); `close` stops it. */
  jobs?: TaskRunner;
}

/** The app and the service behind it (whose workers `close` stops). */
export interface ApiApp {
  app: Hono;
  service: PredictionService;
  close(): Promise<void>;
}

async function jsonBody<T extends z.ZodTypeAny>(c: Context, schema: T, limit: number): Promise<z.infer<T>> {
  const text = await readBodyText(c.req.raw, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ThreatlabError('parse-error', 'the request body is not valid JSON (NaN and Infinity are not JSON: send null for a missing value)');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError('invalid request', plainIssues(parsed.error, '(body)'));
  }
  return parsed.data;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function keyResponse(key: string, record: KeyRecord) {
  return { key, keyId: record.id, owner: record.ownerName, budget: record.budget ?? null, rateLimit: record.rateLimit ?? null, note: 'store this key now: it is never shown again' };
}

/** Builds the app over a store. */
export function createApp(store: Store, options: AppOptions = {}): ApiApp {
  const limits = resolveLimits(options.limits);
  const limiter = options.limiter ?? new RateLimiter();
  const service = new PredictionService(store, limiter, limits, options.jobs);
  const small = limits.maxBodyBytes;
  const app = new Hono();
  const started = Date.now();

  app.onError((error, c) => {
    const failure = error instanceof ThreatlabError ? error : new ThreatlabError('internal', `internal error: ${error.message}`);
    if (failure instanceof RateLimitedError) c.header('Retry-After', String(failure.retryAfterSeconds));
    if (failure.code === 'overloaded') c.header('Retry-After', '5');
    return c.json(errorBody(failure), statusOf(failure.code));
  });
  app.notFound((c) => c.json(errorBody(new ThreatlabError('not-found', `no route ${c.req.method} ${c.req.path}; see the README for the API`)), 404));

  const auth = (c: Context) => {
    const key = service.authenticate(c.req.header('authorization'));
    service.throttle(key);
    return key;
  };

  app.get('/v1/health', (c) => c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000), workers: service.load }));

  app.post('/v1/owners', async (c) => {
    const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!options.adminToken) throw new ThreatlabError('forbidden', 'this server takes no owner requests: the operator creates owners with threatlab owners create NAME (or starts threatlab serve with --admin-token)');
    if (!token || !sameSecret(token, options.adminToken)) throw new ThreatlabError('unauthorized', 'creating an owner needs the operator\'s admin token in "Authorization: Bearer TOKEN"');
    const request = await jsonBody(c, createOwnerRequest, small);
    const { key, record } = store.createOwner(request);
    return c.json({ ...keyResponse(key, record), accountBudget: request.budget ?? null, accountRateLimit: request.rateLimit ?? null }, 201);
  });

  app.post('/v1/keys', async (c) => {
    if (!c.req.header('authorization')) {
      throw new ThreatlabError('unauthorized', 'creating a key needs a key of the same account in "Authorization: Bearer KEY"; new owners and their first key come from the operator (threatlab owners create NAME)');
    }
    const caller = auth(c);
    limiter.take(`keys:${caller.ownerId}`, limits.keyCreationsPerMinute / 60, limits.keyCreationsPerMinute, 'new keys');
    const request = await jsonBody(c, createKeyRequest, small);
    const { key, record } = store.createKey({ ownerId: caller.ownerId, budget: request.budget, rateLimit: request.rateLimit, maxKeys: limits.maxKeysPerOwner, parent: caller });
    return c.json(keyResponse(key, record), 201);
  });

  app.post('/v1/datasets', async (c) => {
    const key = auth(c);
    const name = c.req.query('name') ?? 'upload.csv';
    const upload = await service.uploadDataset(key, name, await readBodyBytes(c.req.raw, limits.maxUploadBytes));
    return c.json({ ...upload, name }, 201);
  });

  app.post('/v1/models/train', async (c) => {
    const key = auth(c);
    return c.json(service.train(key, await jsonBody(c, trainRequest, small)), 202);
  });

  app.get('/v1/jobs', (c) => c.json({ jobs: service.jobs(auth(c)) }));
  app.get('/v1/jobs/:id', (c) => c.json(service.job(auth(c), c.req.param('id'))));
  app.post('/v1/jobs/:id/cancel', (c) => c.json(service.cancel(auth(c), c.req.param('id'))));
  app.get('/v1/jobs/:id/report.json', (c) => c.body(service.report(auth(c), c.req.param('id'), 'json'), 200, { 'content-type': 'application/json; charset=utf-8' }));
  app.get('/v1/jobs/:id/report.html', (c) =>
    // The report is self-contained and script-free; served as a download-free page that may not run script.
    c.body(service.report(auth(c), c.req.param('id'), 'html'), 200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:" }),
  );

  app.post('/v1/models/:id/audit', async (c) => {
    const key = auth(c);
    return c.json(service.audit(key, c.req.param('id'), await jsonBody(c, auditRequest, small)), 202);
  });

  // The owner's dashboard: a page and its script; the page signs in with a key and calls the API above.
  app.get('/', (c) => c.html(DASHBOARD_HTML, 200, { 'content-security-policy': DASHBOARD_CSP }));
  app.get('/dashboard.js', (c) => c.body(DASHBOARD_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));

  app.post('/v1/models', async (c) => {
    const key = auth(c);
    const text = await readBodyText(c.req.raw, limits.maxUploadBytes);
    return c.json(await service.uploadModel(key, text, c.req.query('name') ?? 'uploaded model'), 201);
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
    // Rows as little-endian float64 bytes (ROWS_F64), else JSON.
    const binary = c.req.header('content-type')?.split(';')[0].trim().toLowerCase() === ROWS_F64;
    return c.json(await service.predict(key, c.req.param('id'), binary ? { f64: await readBodyBytes(c.req.raw, small) } : await jsonBody(c, predictRequest, small)));
  });

  app.get('/v1/usage', (c) => {
    const key = auth(c);
    const total = (rows: ReturnType<Store['usage']>) => {
      const sum = rows.reduce((acc, row) => ({ requests: acc.requests + row.requests, queries: acc.queries + row.queries, costMicros: acc.costMicros + row.costMicros }), { requests: 0, queries: 0, costMicros: 0 });
      return { ...sum, cost: microsToUnits(sum.costMicros) };
    };
    const usage = store.usage(key.ownerId, 'keys');
    const models = store.usage(key.ownerId, 'models');
    const account = store.owner(key.ownerId)!;
    return c.json({
      owner: key.ownerName,
      account: { budget: account.budget ?? null, used: account.used, rateLimit: account.rateLimit ?? null, keys: account.keys },
      usage,
      totals: total(usage),
      models,
      modelTotals: total(models),
      alerts: store.alerts(key.ownerId),
    });
  });

  addOpenInferenceRoutes(
    app,
    service,
    (header) => {
      const key = service.authenticate(header);
      service.throttle(key);
      return key;
    },
    async (request) => {
      try {
        return JSON.parse(await readBodyText(request, small));
      } catch (error) {
        if (error instanceof ThreatlabError) throw error;
        throw new ThreatlabError('parse-error', 'the request body is not valid JSON');
      }
    },
  );

  return { app, service, close: () => service.close() };
}
