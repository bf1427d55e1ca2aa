/** Serves the app on a TCP port (loopback by default) with @hono/node-server. */

import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { ThreatlabError } from '../errors.ts';
import { createApp, type ApiApp, type AppOptions } from './app.ts';
import { Store } from './store.ts';

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  /** Jobs an earlier run left on the cluster, followed again to their end. */
  resumed: number;
  api: ApiApp;
  close(): Promise<void>;
}

/** Opens the database and listens; port 0 picks a free port. A taken port is a clear error. */
export async function startServer(options: { db: string; port?: number; host?: string; redis?: string } & AppOptions): Promise<RunningServer> {
  // Jobs go to `threatlab worker` processes when a Redis is named; connect first, so a wrong URL fails before anything opens.
  const jobs = options.redis ? await (await import('../cluster/cluster-tasks.ts')).ClusterTaskRunner.connect(options.redis) : options.jobs;
  let store: Store;
  try {
    store = Store.open(options.db);
  } catch (error) {
    await jobs?.close(); // its Redis connections would keep the process alive
    throw error;
  }
  const api = createApp(store, { ...options, jobs });
  const resumed = api.service.resumeInterrupted();
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const instance = serve({ fetch: api.app.fetch, port, hostname: host }, () => resolve(instance));
      instance.once('error', reject);
    });
  } catch (error) {
    await api.close();
    store.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new ThreatlabError('usage', `port ${port} on ${host} is in use (another threatlab serve?); stop that server or choose another port with --port`);
    if (code === 'EACCES') throw new ThreatlabError('usage', `no permission to listen on port ${port} of ${host}; choose a port above 1023 with --port`);
    throw new ThreatlabError('internal', `cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    store,
    resumed,
    api,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          void api.close().then(() => {
            store.close();
            resolve();
          });
        });
        // Keep-alive connections would hold close() open: end idle ones now.
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}
