/**
 * General Social Survey extract from Tramèr et al.'s code (`steal-ml/GSShappiness.csv`,
 * 51,020 rows, CR-only line endings). Year and id are dropped. Two tables:
 * - `gss` — Table 3: the 16,127 complete rows, every column one-hot (age and number of
 *   children included, as levels): 101 features, target "Happiness level" (3 classes).
 * - `gss-tree` — Table 5 (trees): every row with a target, missing answers kept; age and
 *   children numeric ("89 OR OLDER" → 89, "EIGHT OR MORE" → 8), the rest ordinal.
 * "watched x-rated movies in the last year" is the sensitive feature Fredrikson et al. invert.
 */

import type { ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { fitTableEncoder } from '../encoders/table-encoder.ts';
import { loadCsv } from '../loaders/csv.ts';
import { completeRows, dropColumns, filterRows, columnIndex, mapColumn, type Table } from '../table.ts';

/** Relative path of the GSS extract under the data root. */
export const GSS_FILE = 'steal-ml/GSShappiness.csv';
/** The target column. */
export const GSS_TARGET = 'Happiness level';
/** The sensitive column inverted by Fredrikson et al. 2015. */
export const GSS_SENSITIVE = 'watched x-rated movies in the last year';
/** Classes from least to most happy. */
export const GSS_CLASSES = ['NOT TOO HAPPY', 'PRETTY HAPPY', 'VERY HAPPY'];

/** The raw table without year and id. */
export function loadGssTable(dataset = 'gss'): Table {
  const table = loadCsv(requireDataFile(dataset, GSS_FILE), { missing: [''] });
  return dropColumns(table, ['year', 'id']);
}

/** Table 3: complete rows, one-hot (16,127 × 101, 3 classes). */
export function loadGss(): ClassificationDataset {
  const table = completeRows(loadGssTable('gss'));
  const encoder = fitTableEncoder(table, {
    target: GSS_TARGET,
    classOrder: GSS_CLASSES,
    columns: { age: 'one-hot', children: 'one-hot' },
  });
  return encoder.transform(table, 'gss') as ClassificationDataset;
}

/** Table 5: all rows with a target, age and children numeric, the rest ordinal, missing kept. */
export function loadGssTree(): ClassificationDataset {
  let table = loadGssTable('gss-tree');
  const target = columnIndex(table, GSS_TARGET);
  table = filterRows(table, (row) => row[target] !== undefined);
  table = mapColumn(table, 'age', (value) => (value === '89 OR OLDER' ? '89' : value));
  table = mapColumn(table, 'children', (value) => (value === 'EIGHT OR MORE' ? '8' : value));
  const encoder = fitTableEncoder(table, {
    target: GSS_TARGET,
    classOrder: GSS_CLASSES,
    categorical: 'ordinal',
    columns: { age: 'numeric', children: 'numeric' },
  });
  return encoder.transform(table, 'gss-tree') as ClassificationDataset;
}
