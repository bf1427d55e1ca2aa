/**
 * The server's jobs (train on an uploaded CSV, audit a model) as BullMQ jobs: the same task
 * messages its worker threads take, with every byte array and every long string sent to Redis by
 * content hash first, so a job's payload stays small and a worker fetches each upload once.
 */

import type { WorkerTask } from '../jobs/messages.ts';
import type { BlobReader, BlobWriter } from './blob-store.ts';

/** Strings longer than this travel as blobs (a model file, an inline CSV). */
const LONG_TEXT = 64 << 10;

/** One server task on the queue. */
export interface TaskJob {
  /** The task with its bytes replaced by `{ $bytes: hash }` and its long strings by `{ $text: hash }`. */
  task: unknown;
  /** The server's time limit for it, ms, and the limit's name for the error. */
  timeoutMs: number;
  timeoutLimit: string;
}

/** Sends the task's bytes and long strings to Redis; the job's form of it. */
export async function packTask(task: WorkerTask, blobs: BlobWriter): Promise<unknown> {
  const pack = async (value: unknown): Promise<unknown> => {
    if (value instanceof Uint8Array) return { $bytes: await blobs.putBytes(value) };
    if (typeof value === 'string' && value.length > LONG_TEXT) return { $text: await blobs.putBytes(Buffer.from(value, 'utf8')) };
    if (Array.isArray(value)) return Promise.all(value.map(pack));
    if (value && typeof value === 'object') {
      const entries = await Promise.all(Object.entries(value).map(async ([key, inner]) => [key, await pack(inner)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  };
  return pack(task);
}

/** The task back, its bytes fetched (a worker keeps none of them after the task). */
export async function unpackTask(packed: unknown, blobs: BlobReader): Promise<WorkerTask> {
  const unpack = async (value: unknown): Promise<unknown> => {
    if (Array.isArray(value)) return Promise.all(value.map(unpack));
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.$bytes === 'string' && Object.keys(record).length === 1) return new Uint8Array(await blobs.getBytes(record.$bytes, 'upload'));
      if (typeof record.$text === 'string' && Object.keys(record).length === 1) return (await blobs.getBytes(record.$text, 'upload')).toString('utf8');
      const entries = await Promise.all(Object.entries(record).map(async ([key, inner]) => [key, await unpack(inner)] as const));
      return Object.fromEntries(entries);
    }
    return value;
  };
  return (await unpack(packed)) as WorkerTask;
}
