/** An in-process prediction API over an in-memory store, for tests without a socket. */

import { createApp, type AppOptions } from '../api/app.ts';
import type { Fetch } from '../api/client.ts';
import { Store } from '../api/store.ts';

/** The app, its store, and helpers to call it. */
export interface TestApi {
  store: Store;
  fetch: Fetch;
  /** Calls the app and returns status, parsed body and headers. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field in tests
  call(method: string, path: string, options?: { key?: string; body?: unknown; raw?: string; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>;
}

/** Builds a test API. */
export function testApi(options: AppOptions = {}): TestApi {
  const store = Store.open(':memory:');
  const app = createApp(store, options);
  const fetch: Fetch = async (url, init) => app.request(url, init);
  return {
    store,
    fetch,
    async call(method, path, { key, body, raw, contentType } = {}) {
      const headers: Record<string, string> = {};
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined || raw !== undefined) headers['content-type'] = contentType ?? 'application/json';
      const response = await app.request(`http://api.test${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
  };
}
