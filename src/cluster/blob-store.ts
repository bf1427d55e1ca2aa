/**
 * Data sets (and other large bytes: uploaded CSVs, model files) in Redis by content hash. A client puts each data set once (a re-run finds it there
 * and only refreshes its expiry); a worker fetches a hash once, checks the bytes against it, and
 * keeps them, coded as they came, for the next job that names them.
 */

import type { Redis } from 'ioredis';
import { LruCache } from '../api/lru-cache.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';
import { CodedDataset, contentHash, datasetHash, encodeDataset } from './dataset-blob.ts';
import { KEY_PREFIX } from './redis.ts';

/** How long a data set stays in Redis after the last job that named it, seconds. */
export const BLOB_TTL_SECONDS = 7 * 24 * 3600;

function blobKey(hash: string): string {
  return `${KEY_PREFIX}:blob:${hash}`;
}

/** The client side: puts data sets. */
export class BlobWriter {
  private readonly redis: Redis;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Bytes this client sent to Redis. */
  uploadedBytes = 0;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /**
   * Makes sure `data` is in Redis; its hash. The hash is computed once per data set and the bytes
   * are built only to upload them (the first time, the bytes just hashed): 64 shadows naming a
   * 440 MB population must not hold 64 copies.
   */
  put(data: ClassificationDataset): Promise<string> {
    const { hash, bytes } = datasetHash(data);
    return this.ensure(hash, () => bytes ?? encodeDataset(data));
  }

  /** Makes sure `bytes` are in Redis; their hash. */
  putBytes(bytes: Uint8Array): Promise<string> {
    return this.ensure(contentHash(bytes), () => bytes);
  }

  private async ensure(hash: string, bytes: () => Uint8Array): Promise<string> {
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.upload(hash, bytes).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    await pending;
    return hash;
  }

  private async upload(hash: string, bytesOf: () => Uint8Array): Promise<void> {
    if ((await this.redis.expire(blobKey(hash), BLOB_TTL_SECONDS)) === 1) return;
    const bytes = bytesOf();
    await this.redis.set(blobKey(hash), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', BLOB_TTL_SECONDS);
    this.uploadedBytes += bytes.length;
  }
}

/** The worker side: fetches data sets, cached by bytes. */
export class BlobReader {
  private readonly redis: Redis;
  private readonly cache: LruCache<string, CodedDataset>;
  private readonly inFlight = new Map<string, Promise<CodedDataset>>();
  /** Fetches that went to Redis (the rest came from the cache). */
  fetches = 0;

  constructor(redis: Redis, cacheBytes: number) {
    this.redis = redis;
    this.cache = new LruCache(cacheBytes);
  }

  /** The data set with `hash`, kept coded: its rows are decoded where they are read. */
  async get(hash: string): Promise<CodedDataset> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.fetch(hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  private async fetch(hash: string): Promise<CodedDataset> {
    const bytes = await this.getBytes(hash, 'data set');
    const data = new CodedDataset(bytes, hash.slice(0, 12));
    // Counted as held (coded: the fetched bytes are not kept), so that --cache-mb bounds the memory kept.
    this.cache.set(hash, data, data.bytes);
    return data;
  }

  /** The bytes with `hash`, checked against it (`what` names them in errors). */
  async getBytes(hash: string, what = 'blob'): Promise<Buffer> {
    this.fetches++;
    const bytes = await this.redis.getBuffer(blobKey(hash));
    if (!bytes) throw new ThreatlabError('not-found', `${what} ${hash.slice(0, 12)}… is not in Redis (expired after ${BLOB_TTL_SECONDS / 86400} days unused, or Redis lost it without an append-only file); run the client again to send it`);
    if (contentHash(bytes) !== hash) throw new ThreatlabError('parse-error', `${what} ${hash.slice(0, 12)}… in Redis does not match its hash; delete ${blobKey(hash)} and run the client again`);
    return bytes;
  }
}
