/** Serves the app on a TCP port (loopback by default) with @hono/node-server. */

import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions } from './app.ts';
import { Store } from './store.ts';

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  close(): Promise<void>;
}

/** Opens the database and listens; port 0 picks a free port. */
export async function startServer(options: { db: string; port?: number; host?: string } & AppOptions): Promise<RunningServer> {
  const store = Store.open(options.db);
  const app = createApp(store, options);
  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve) => {
    const instance = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: host }, () => resolve(instance));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
      }),
  };
}
