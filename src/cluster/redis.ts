/**
 * Connecting to the Redis that carries the job queue. A wrong address fails at once with the fix,
 * instead of ioredis retrying forever; once connected, a Redis that restarts is waited for (jobs
 * and data sets survive it when Redis keeps an append-only file).
 */

import { Redis } from 'ioredis';
import { ThreatlabError } from '../errors.ts';

/** Where every threatlab key lives (BullMQ's prefix and the data-set blobs). */
export const KEY_PREFIX = 'threatlab';
/** The queue of training jobs. */
export const TRAINING_QUEUE = 'training';
/** The queue of the server's jobs (train on an upload, audit a model). */
export const TASK_QUEUE = 'tasks';

/** Pub/sub channel on which a client names a job it cancels (the worker running it stops it). */
export const CANCEL_CHANNEL = `${KEY_PREFIX}:cancel`;

/** Key that marks a job cancelled, so a worker that takes it later (a retry) does not run it. */
export function cancelKey(jobId: string): string {
  return `${KEY_PREFIX}:cancelled:${jobId}`;
}

/** How long a cancel mark is kept, seconds (past any retry of the job). */
export const CANCEL_TTL_S = 7 * 24 * 3600;

/** BullMQ's connection options for `url`. */
export function connectionOptions(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url: checkedUrl(url), maxRetriesPerRequest: null };
}

function checkedUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ThreatlabError('usage', `--redis ${url} is not a URL; give one like redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ThreatlabError('usage', `--redis ${url}: the scheme must be redis:// or rediss://`);
  }
  return url;
}

/**
 * A client for `url` that has answered PING within `timeoutMs`, on a Redis of version 5 or later
 * (BullMQ's floor). Commands wait while the server is away later on.
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  const redis = new Redis(checkedUrl(url), { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: timeoutMs });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => (lastError = error.message)); // reconnects are ioredis's; failures surface through commands
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    const why = lastError ?? (error as Error).message;
    if (/NOAUTH|WRONGPASS/.test(why)) throw new ThreatlabError('unauthorized', `Redis at ${redacted(url)} refused the connection (${why}); give its password in the URL: redis://:PASSWORD@HOST:PORT`);
    throw new ThreatlabError('unavailable', `no Redis answers at ${redacted(url)} (${why}); start one (Debian: apt-get install redis-server; redis-server --appendonly yes) or fix --redis`);
  } finally {
    clearTimeout(timer);
  }
  const info = await redis.info('server');
  const version = /redis_version:(\d+)/.exec(info)?.[1];
  if (version && Number(version) < 5) {
    redis.disconnect();
    throw new ThreatlabError('unavailable', `Redis at ${redacted(url)} is version ${version}; BullMQ needs 5 or later`);
  }
  return redis;
}

/** The URL without its password, for messages and logs. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
