/**
 * A user's own CSV as training data: the rows are split first (seeded, stratified for
 * classification) and the encoder is fitted on the training rows only; a category that appears
 * only in the test rows maps to an explicit "(other)" level instead of leaking into training.
 */

import type { Progress } from '../progress.ts';
import type { Rng } from '../random.ts';
import type { Dataset } from './dataset.ts';
import { fitTableEncoder, type ColumnEncoding } from './encoders/table-encoder.ts';
import { loadCsv } from './loaders/csv.ts';
import { columnIndex, type Table } from './table.ts';

/** Options of `loadUserCsv`. */
export interface UserCsvOptions {
  target: string;
  task: 'classification' | 'regression';
  testFraction: number;
  rng: Rng;
  /** Encode categorical columns one-hot (linear models, networks) or ordinal (trees). */
  categorical: 'one-hot' | 'ordinal';
  columns?: Record<string, ColumnEncoding>;
  /** Reports parsing of a large file. */
  progress?: Progress;
  /** Missing numeric values are an error naming their line and column, this text saying why (the encoder's `refuseMissing`); else NaN. */
  refuseMissing?: string;
}

/** Train and test data sets from a CSV file. */
export function loadUserCsv(path: string, options: UserCsvOptions): { train: Dataset; test: Dataset } {
  return splitUserTable(loadCsv(path, { progress: options.progress }), path.replace(/^.*[\\/]/, '').replace(/\.csv$/i, ''), options);
}

/** The rows of a user's table each part takes: indices into `table.rows` (unlabelled rows are in neither). */
export function userTableSplit(table: Table, options: Pick<UserCsvOptions, 'target' | 'task' | 'testFraction' | 'rng'>): { train: number[]; test: number[] } {
  const target = columnIndex(table, options.target);
  const labelledRows: number[] = [];
  table.rows.forEach((row, i) => {
    if (row[target] !== undefined) labelledRows.push(i);
  });
  const byClass = new Map<string, number[]>();
  labelledRows.forEach((original, i) => {
    const key = options.task === 'classification' ? table.rows[original][target]! : '';
    const rows = byClass.get(key);
    if (rows) rows.push(i);
    else byClass.set(key, [i]);
  });
  const testRows = new Set<number>();
  for (const key of [...byClass.keys()].sort()) {
    const rows = byClass.get(key)!;
    options.rng.shuffle(rows);
    rows.slice(0, Math.round(rows.length * options.testFraction)).forEach((i) => testRows.add(i));
  }
  const train: number[] = [];
  const test: number[] = [];
  labelledRows.forEach((original, i) => (testRows.has(i) ? test : train).push(original));
  return { train, test };
}

/** Train and test data sets from a raw table (split first by `userTableSplit`, encoder fitted on the train rows). */
export function splitUserTable(table: Table, name: string, options: UserCsvOptions): { train: Dataset; test: Dataset } {
  const split = userTableSplit(table, options);
  const part = (rows: number[]): Table => ({ ...table, rows: rows.map((i) => table.rows[i]), lines: rows.map((i) => table.lines[i]) });
  const train = part(split.train);
  const encoder = fitTableEncoder(train, {
    target: options.target,
    task: options.task,
    categorical: options.categorical,
    unknown: 'other',
    columns: options.columns,
    refuseMissing: options.refuseMissing,
  });
  return { train: encoder.transform(train, name), test: encoder.transform(part(split.test), `${name}-test`) };
}
