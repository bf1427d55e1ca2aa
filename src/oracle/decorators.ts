/**
 * Decorators around any oracle, so that no attack counts, limits or caches its own queries:
 * a counting ledger, a query budget (a `BudgetExceededError` before the inner oracle is asked,
 * so nothing is charged for a refused request), and a cache of answered rows.
 */

import { BudgetExceededError, CapabilityError } from '../errors.ts';
import { selectRows, type Matrix } from '../math/matrix.ts';
import type { Answer, AnswerOf, Oracle, OracleInfo, Reveals } from './types.ts';

/** One request as the ledger records it. */
export interface LedgerEntry {
  rows: number;
  cost: number;
  at: number;
}

/** Counts queries (rows) and requests, and what they cost at the oracle's price. */
export class CountingOracle<A extends Answer = Answer> implements Oracle<A> {
  readonly entries: LedgerEntry[] = [];
  private readonly inner: Oracle<A>;

  constructor(inner: Oracle<A>) {
    this.inner = inner;
  }

  get info(): OracleInfo {
    return this.inner.info;
  }

  /** Rows answered. */
  get queries(): number {
    return this.entries.reduce((sum, entry) => sum + entry.rows, 0);
  }

  /** Requests answered. */
  get requests(): number {
    return this.entries.length;
  }

  /** Total cost at the published price. */
  get cost(): number {
    return this.entries.reduce((sum, entry) => sum + entry.cost, 0);
  }

  async query(rows: Matrix): Promise<A[]> {
    const answers = await this.inner.query(rows);
    this.entries.push({ rows: rows.rows, cost: rows.rows * this.info.price, at: Date.now() });
    return answers;
  }
}

/** Refuses any request that would take the rows queried past `budget`. */
export class BudgetOracle<A extends Answer = Answer> implements Oracle<A> {
  readonly budget: number;
  private used = 0;
  private readonly inner: Oracle<A>;

  constructor(inner: Oracle<A>, budget: number) {
    this.inner = inner;
    this.budget = budget;
  }

  get info(): OracleInfo {
    return this.inner.info;
  }

  /** Rows answered so far. */
  get spent(): number {
    return this.used;
  }

  /** Rows still allowed. */
  get remaining(): number {
    return this.budget - this.used;
  }

  async query(rows: Matrix): Promise<A[]> {
    if (this.used + rows.rows > this.budget) throw new BudgetExceededError(this.budget, this.used, rows.rows);
    const answers = await this.inner.query(rows);
    this.used += rows.rows;
    return answers;
  }
}

/** Answers repeated rows from memory; only rows never seen reach the inner oracle. */
export class CachingOracle<A extends Answer = Answer> implements Oracle<A> {
  private readonly cache = new Map<string, A>();
  private readonly inner: Oracle<A>;
  hits = 0;

  constructor(inner: Oracle<A>) {
    this.inner = inner;
  }

  get info(): OracleInfo {
    return this.inner.info;
  }

  async query(rows: Matrix): Promise<A[]> {
    const keys = Array.from({ length: rows.rows }, (_, i) => rowKey(rows, i));
    const missing: number[] = [];
    const seen = new Set<string>();
    keys.forEach((key, i) => {
      if (this.cache.has(key) || seen.has(key)) {
        this.hits++;
      } else {
        seen.add(key);
        missing.push(i);
      }
    });
    if (missing.length > 0) {
      const answers = await this.inner.query(selectRows(rows, missing));
      missing.forEach((row, k) => this.cache.set(keys[row], answers[k]));
    }
    return keys.map((key) => this.cache.get(key)!);
  }
}

function rowKey(rows: Matrix, i: number): string {
  const view = rows.data.subarray(i * rows.cols, (i + 1) * rows.cols);
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/** Narrows an oracle to one answer kind; a `CapabilityError` when it reveals something else. */
export function requireReveals<R extends Reveals>(oracle: Oracle, reveals: R | R[], attack: string): Oracle<AnswerOf<R>> {
  const wanted = Array.isArray(reveals) ? reveals : [reveals];
  if (!wanted.includes(oracle.info.reveals as R)) {
    throw new CapabilityError(
      `${attack} needs ${wanted.join(' or ')} answers, but this oracle reveals ${oracle.info.reveals} (policy ${oracle.info.policy.kind}); use an attack for ${oracle.info.reveals} answers`,
    );
  }
  return oracle as Oracle<AnswerOf<R>>;
}
