/**
 * The files a malicious training run leaves: the attacker's key (`--secret-out key.json`) and,
 * beside it, the truth (`key.truth.json`) — the stolen rows as encoded, which only the data owner
 * or an auditor has; `threatlab exfiltrate` scores the decoded secret against it when present.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseExfiltrationKey, type ExfiltrationKey } from '../../attacks/exfiltration/key.ts';
import type { Secret } from '../../attacks/exfiltration/secret.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { readNonEmptyFile } from '../../data/loaders/files.ts';

/** The truth file's contents. */
export interface SecretTruth {
  format: 1;
  items: number;
  valuesPerItem: number;
  image?: { width: number; height: number };
  /** Indices of the stolen rows among the training rows. */
  rows: number[];
  /** Their class labels (for identifying decoded faces). */
  labels: number[];
  values: Uint8Array;
}

/** Where the truth of `keyPath` lives. */
export function truthPathOf(keyPath: string): string {
  return keyPath.replace(/(\.json)?$/i, '.truth.json');
}

/** Writes the key and its truth. */
export function writeSecretFiles(keyPath: string, key: ExfiltrationKey, secret: Secret, labels: ArrayLike<number>): string {
  writeFileSync(keyPath, `${JSON.stringify(key, null, 1)}\n`);
  const truthPath = truthPathOf(keyPath);
  const truth = { format: 1, items: secret.items, valuesPerItem: secret.valuesPerItem, image: secret.image, rows: secret.rows, labels: secret.rows.map((row) => labels[row]), values: Buffer.from(secret.values).toString('base64') };
  writeFileSync(truthPath, `${JSON.stringify(truth)}\n`);
  return truthPath;
}

/** Reads an attacker's key. */
export function readKey(path: string): ExfiltrationKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readNonEmptyFile(path, 'exfiltration key').toString('utf8'));
  } catch (error) {
    if (error instanceof ThreatlabError) throw error;
    throw new ThreatlabError('parse-error', `${path} is not JSON; give the key written by threatlab train --malicious … --secret-out FILE`);
  }
  return parseExfiltrationKey(parsed, path);
}

/** Reads a truth file, checked against its key; undefined when there is none. */
export function readTruth(path: string, key: ExfiltrationKey, required: boolean): SecretTruth | undefined {
  if (!existsSync(path)) {
    if (required) throw new ThreatlabError('file-not-found', `truth file ${path} not found; it is written beside the key by threatlab train --malicious`);
    return undefined;
  }
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Omit<SecretTruth, 'values'> & { values: string };
  const values = new Uint8Array(Buffer.from(String(raw.values ?? ''), 'base64'));
  if (raw.items !== key.items || raw.valuesPerItem !== key.valuesPerItem || values.length !== key.items * key.valuesPerItem) {
    throw new ValidationError(`${path} does not belong to this key`, [{ path: 'items', message: `truth has ${raw.items} × ${raw.valuesPerItem} values, the key ${key.items} × ${key.valuesPerItem}; give the truth written with this key` }]);
  }
  return { ...raw, values };
}
