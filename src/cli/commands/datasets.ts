/**
 * `threatlab datasets`: every known data set, whether it is here, and its counts. By default the
 * counts are the registry's (each loader's counts, checked against these files by
 * src/data/datasets/datasets.test.ts), so the listing answers without loading 300 MB of data;
 * `--verify` loads every file present and counts it.
 */

import { summarize, type Dataset } from '../../data/dataset.ts';
import type { Table } from '../../data/table.ts';
import { DATASETS, isAvailable, type RegistryEntry } from '../../data/datasets/registry.ts';
import { ThreatlabError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** One line of the listing. */
export interface DatasetListing {
  name: string;
  title: string;
  source: RegistryEntry['source'];
  reference: string;
  status: 'found' | 'missing' | 'error';
  rows?: number;
  features?: number;
  classes?: number;
  expected: RegistryEntry['expected'];
  /** True when the loaded counts equal the paper's. */
  matchesPaper?: boolean;
  /** Whether the counts were counted from the files (`--verify`) or read from the registry. */
  counted?: 'loaded' | 'registry';
  note?: string;
  error?: { code: string; message: string };
}

/** Describes one entry: counts from the registry, or (`verify`) loaded from its files when present. */
export function describeEntry(entry: RegistryEntry, verify = true): DatasetListing {
  const base = { name: entry.name, title: entry.title, source: entry.source, reference: entry.reference, expected: entry.expected, note: entry.note };
  if (!isAvailable(entry)) return { ...base, status: 'missing' };
  if (!verify) return { ...base, status: 'found', rows: entry.expected.rows, features: entry.expected.features, classes: entry.expected.classes, counted: 'registry' };
  try {
    const counts = entry.kind === 'dataset' ? countsOf(entry.load()) : tableCounts(entry.load());
    const matchesPaper =
      counts.rows === entry.expected.rows && counts.features === entry.expected.features && counts.classes === entry.expected.classes;
    return { ...base, status: 'found', ...counts, matchesPaper, counted: 'loaded' };
  } catch (error) {
    const failure = error instanceof ThreatlabError ? error : new ThreatlabError('internal', String(error));
    return { ...base, status: 'error', error: { code: failure.code, message: failure.message } };
  }
}

function tableCounts(table: Table): { rows: number; features: number; classes?: number } {
  return { rows: table.rows.length, features: table.columns.length };
}

function countsOf(dataset: Dataset): { rows: number; features: number; classes?: number } {
  const summary = summarize(dataset);
  return { rows: summary.rows, features: summary.features, classes: summary.classes };
}

/** Runs the command. */
export function runDatasets(io: CliIo, options: CommonOptions & { verify?: boolean }, progress: Progress): DatasetListing[] {
  const verify = options.verify ?? false;
  if (verify) progress.start('loading data sets', DATASETS.length);
  const listings = DATASETS.map((entry) => {
    const listing = describeEntry(entry, verify);
    if (verify) progress.tick();
    return listing;
  });
  if (verify) progress.done();
  printResult(io, options, { datasets: listings }, () => {
    const rows = listings.map((l) => [
      l.name,
      l.status,
      l.source,
      l.rows ?? `(${l.expected.rows})`,
      l.features ?? `(${l.expected.features})`,
      l.classes ?? (l.expected.classes === undefined ? '-' : `(${l.expected.classes})`),
      l.reference,
    ]);
    const table = textTable(['name', 'status', 'source', 'rows', 'features', 'classes', 'reference'], rows);
    const notes = listings.filter((l) => l.note || l.error).map((l) => `  ${l.name}: ${l.error ? l.error.message : l.note}`);
    const counted = verify ? 'counts loaded from the files' : "counts are the loaders' (checked against these files by the tests); --verify loads each file to count it";
    return [table, `(${counted}; counts in parentheses are the paper's, for data sets not found here)`, ...(notes.length ? ['notes:', ...notes] : [])].join('\n');
  });
  return listings;
}
