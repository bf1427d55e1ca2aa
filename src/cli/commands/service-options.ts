/** The serve options parsed before any server code loads: the default database and `--limit name=value`. */

import { DEFAULT_LIMITS, type ServerLimits } from '../../api/limits.ts';
import { ThreatlabError } from '../../errors.ts';

/** Where the database lives unless --db says otherwise. */
export const DEFAULT_DB = '.threatlab/threatlab.sqlite';

/** Parses `--limit name=value` into server limits. */
export function parseLimit(text: string, previous: Partial<ServerLimits> = {}): Partial<ServerLimits> {
  const [name, value] = text.split('=');
  if (!(name in DEFAULT_LIMITS)) throw new ThreatlabError('usage', `unknown server limit "${name}"; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new ThreatlabError('usage', `server limit ${name}=${value}: give a positive number`);
  return { ...previous, [name]: number };
}
