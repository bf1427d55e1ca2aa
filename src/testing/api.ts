/** An in-process prediction API over an in-memory store, for tests without a socket. */

import { createApp, type ApiApp, type AppOptions } from '../api/app.ts';
import type { Fetch } from '../api/client.ts';
import { Store } from '../api/store.ts';

/** The admin token of every test API. */
export const TEST_ADMIN_TOKEN = 'test-admin-token';

/** The app, its store, and helpers to call it. */
export interface TestApi {
  store: Store;
  fetch: Fetch;
  api: ApiApp;
  /** Calls the app and returns status, body (parsed when JSON, else text) and headers. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field in tests
  call(method: string, path: string, options?: { key?: string; body?: unknown; raw?: string; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates an owner (as the operator) and returns its first key. */
  owner(name: string, limits?: { budget?: number; rateLimit?: number }): Promise<string>;
  /** Polls a job until it ends; returns its final state. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as call
  waitForJob(key: string, jobId: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/** Builds a test API (over an in-memory store, or `store`, which the caller closes). */
export function testApi(options: AppOptions & { store?: Store } = {}): TestApi {
  const { store: given, ...appOptions } = options;
  const store = given ?? Store.open(':memory:');
  const api = createApp(store, { adminToken: TEST_ADMIN_TOKEN, ...appOptions });
  const fetch: Fetch = async (url, init) => api.app.request(url, init);
  const test: TestApi = {
    store,
    fetch,
    api,
    async call(method, path, { key, body, raw, contentType } = {}) {
      const headers: Record<string, string> = {};
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined || raw !== undefined) headers['content-type'] = contentType ?? 'application/json';
      const response = await api.app.request(`http://api.test${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('json');
      return { status: response.status, body: text && json ? JSON.parse(text) : text || undefined, headers: response.headers };
    },
    async owner(name, limits = {}) {
      const response = await test.call('POST', '/v1/owners', { key: TEST_ADMIN_TOKEN, body: { name, ...limits } });
      if (response.status !== 201) throw new Error(`owner ${name}: ${JSON.stringify(response.body)}`);
      return response.body.key as string;
    },
    async waitForJob(key, jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await test.call('GET', `/v1/jobs/${jobId}`, { key });
        if (['succeeded', 'failed', 'cancelled'].includes(job.body.status) || Date.now() > deadline) return job.body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => api.close(),
  };
  return test;
}
