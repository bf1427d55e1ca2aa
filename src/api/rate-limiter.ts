/** Per-key token buckets: `rate` requests per second, bursts up to `rate`. */

import { ThreatlabError } from '../errors.ts';

/** A rate-limit refusal: how long to wait. */
export class RateLimitedError extends ThreatlabError {
  readonly retryAfterSeconds: number;

  constructor(rate: number, retryAfterSeconds: number) {
    super('rate-limited', `rate limit of ${rate} requests per second reached; retry after ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Token buckets by key id. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Takes a token for `keyId` or throws `RateLimitedError`. */
  take(keyId: string, rate: number | undefined): void {
    if (rate === undefined) return;
    const now = this.now();
    const bucket = this.buckets.get(keyId) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(keyId, bucket);
      throw new RateLimitedError(rate, Math.max(1, Math.ceil((1 - bucket.tokens) / rate)));
    }
    bucket.tokens -= 1;
    this.buckets.set(keyId, bucket);
  }
}
