/** Per-key (and per-account) token buckets: `rate` requests per second, bursts up to `max(1, rate)`. */

import { ThreatlabError } from '../errors.ts';

/** A rate-limit refusal: how long to wait. */
export class RateLimitedError extends ThreatlabError {
  readonly retryAfterSeconds: number;

  constructor(rate: number, retryAfterSeconds: number, what = 'requests') {
    super('rate-limited', `rate limit of ${rate} ${what} per second reached; retry after ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Token buckets by id. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /**
   * Takes a token for `id` or throws `RateLimitedError`. The bucket holds `burst` tokens (at
   * least one, so that a rate below 1 per second still lets a request through now and then).
   */
  take(id: string, rate: number | undefined, burst = Math.max(1, rate ?? 1), what?: string): void {
    if (rate === undefined) return;
    const capacity = Math.max(1, burst);
    const now = this.now();
    const bucket = this.buckets.get(id) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens < 1) throw new RateLimitedError(rate, Math.max(1, Math.ceil((1 - bucket.tokens) / rate)), what);
    bucket.tokens -= 1;
  }
}
