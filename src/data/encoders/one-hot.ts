/**
 * One-hot encoding of a categorical feature. Levels are learned from training data only; a
 * level not seen in training is an error (`unknown-category`) unless the encoder was fitted
 * with `unknown: 'other'`, which adds an explicit "other" level that unseen values map to.
 */

import { ThreatlabError, ValidationError } from '../../errors.ts';

/** What to do with a value not seen while fitting. */
export type UnknownPolicy = 'error' | 'other';

/** The name of the extra level used by `unknown: 'other'`. */
export const OTHER_LEVEL = '(other)';

/** Options for `fitOneHot`. */
export interface OneHotOptions {
  unknown?: UnknownPolicy;
  /** Level order: sorted (default, repeatable) or order of first appearance. */
  order?: 'sorted' | 'first-seen';
}

/** A fitted one-hot encoding of one feature. */
export class OneHotEncoding {
  readonly name: string;
  readonly levels: readonly string[];
  readonly unknown: UnknownPolicy;
  private readonly index: Map<string, number>;

  constructor(name: string, levels: readonly string[], unknown: UnknownPolicy) {
    this.name = name;
    this.levels = levels;
    this.unknown = unknown;
    this.index = new Map(levels.map((level, i) => [level, i]));
  }

  /** The level index of `value` (the "other" level for an unseen value when allowed). */
  indexOf(value: string | undefined, where = ''): number {
    if (value === undefined) {
      throw new ThreatlabError(
        'missing-value',
        `${where}feature "${this.name}" is missing; fill it in or drop incomplete rows before one-hot encoding`,
      );
    }
    const found = this.index.get(value);
    if (found !== undefined) return found;
    if (this.unknown === 'other') return this.levels.length - 1;
    throw new ThreatlabError(
      'unknown-category',
      `${where}feature "${this.name}" has the value "${value}", which training did not contain ` +
        `(known: ${describeLevels(this.levels)}); fix the value, or fit the encoder with unknown: 'other'`,
    );
  }

  /** Writes the one-hot vector of `value` into `out` at `offset`. */
  encodeInto(value: string | undefined, out: Float64Array, offset: number, where = ''): void {
    out.fill(0, offset, offset + this.levels.length);
    out[offset + this.indexOf(value, where)] = 1;
  }
}

/** Learns the levels of a categorical feature from training values (missing values ignored). */
export function fitOneHot(name: string, values: Iterable<string | undefined>, options: OneHotOptions = {}): OneHotEncoding {
  const seen: string[] = [];
  const known = new Set<string>();
  for (const value of values) {
    if (value !== undefined && !known.has(value)) {
      known.add(value);
      seen.push(value);
    }
  }
  if (seen.length === 0) {
    throw new ValidationError('cannot fit a one-hot encoding', [
      { path: name, message: 'has no non-missing value in the training data' },
    ]);
  }
  const levels = options.order === 'first-seen' ? seen : seen.sort(compareLevels);
  const unknown = options.unknown ?? 'error';
  if (unknown === 'other') levels.push(OTHER_LEVEL);
  return new OneHotEncoding(name, levels, unknown);
}

/** Sorts numerically when both levels are numbers, else by code unit. */
export function compareLevels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function describeLevels(levels: readonly string[]): string {
  const shown = levels.slice(0, 10).map((level) => `"${level}"`).join(', ');
  return levels.length > 10 ? `${shown} and ${levels.length - 10} more` : shown;
}
