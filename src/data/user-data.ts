/**
 * A user's own CSV as training data: the rows are split first (seeded, stratified for
 * classification) and the encoder is fitted on the training rows only; a category that appears
 * only in the test rows maps to an explicit "(other)" level instead of leaking into training.
 */

import type { Rng } from '../random.ts';
import type { Dataset } from './dataset.ts';
import { fitTableEncoder, type ColumnEncoding } from './encoders/table-encoder.ts';
import { loadCsv } from './loaders/csv.ts';
import { columnIndex, filterRows, type Table } from './table.ts';

/** Options of `loadUserCsv`. */
export interface UserCsvOptions {
  target: string;
  task: 'classification' | 'regression';
  testFraction: number;
  rng: Rng;
  /** Encode categorical columns one-hot (linear models, networks) or ordinal (trees). */
  categorical: 'one-hot' | 'ordinal';
  columns?: Record<string, ColumnEncoding>;
}

/** Train and test data sets from a CSV file. */
export function loadUserCsv(path: string, options: UserCsvOptions): { train: Dataset; test: Dataset } {
  return splitUserTable(loadCsv(path), path.replace(/^.*[\\/]/, '').replace(/\.csv$/i, ''), options);
}

/** Train and test data sets from a raw table (split first, encoder fitted on the train rows). */
export function splitUserTable(table: Table, name: string, options: UserCsvOptions): { train: Dataset; test: Dataset } {
  const target = columnIndex(table, options.target);
  const labelled = filterRows(table, (row) => row[target] !== undefined);
  const byClass = new Map<string, number[]>();
  labelled.rows.forEach((row, i) => {
    const key = options.task === 'classification' ? row[target]! : '';
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
  const part = (test: boolean): Table => filterRows(labelled, (_, i) => testRows.has(i) === test);
  const train = part(false);
  const encoder = fitTableEncoder(train, {
    target: options.target,
    task: options.task,
    categorical: options.categorical,
    unknown: 'other',
    columns: options.columns,
  });
  return { train: encoder.transform(train, name), test: encoder.transform(part(true), `${name}-test`) };
}
