/**
 * The FiveThirtyEight steak-risk survey (`steak-survey/steak-risk-survey.csv`, 550
 * respondents). Two tables, as the papers use them:
 * - `steak` — Tramèr et al. 2016, Table 3: the 331 respondents who answered all 14 questions,
 *   one-hot encoded to 40 features, target "How do you like your steak prepared?" (5 classes).
 * - `steak-eaters` — Table 5 (trees): the 430 steak eaters who gave a preparation, 12
 *   categorical features (ordinal-encoded level indices, missing answers kept as NaN).
 * "Have you ever cheated on your significant other?" is the sensitive feature that Fredrikson
 * et al. (CCS 2015) invert.
 */

import type { ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { fitTableEncoder } from '../encoders/table-encoder.ts';
import { loadCsv } from '../loaders/csv.ts';
import { completeRows, dropColumns, filterRows, columnIndex, type Table } from '../table.ts';

/** Relative path of the raw survey under the data root. */
export const STEAK_FILE = 'steak-survey/steak-risk-survey.csv';
/** The target column. */
export const STEAK_TARGET = 'How do you like your steak prepared?';
/** The sensitive column inverted by Fredrikson et al. 2015. */
export const STEAK_SENSITIVE = 'Have you ever cheated on your significant other?';
/** Classes from rarest doneness to most done. */
export const STEAK_CLASSES = ['Rare', 'Medium rare', 'Medium', 'Medium Well', 'Well'];

/** The raw survey table: 550 respondents, 14 answers (the respondent id dropped). */
export function loadSteakTable(dataset = 'steak'): Table {
  const path = requireDataFile(dataset, STEAK_FILE);
  const table = loadCsv(path, { skipAfterHeader: 1, missing: [''] });
  // The lottery question is a paragraph of HTML; name the column by its choice.
  const lottery = table.columns.findIndex((name) => name.startsWith('Consider the following hypothetical situations'));
  const columns = table.columns.slice();
  if (lottery >= 0) columns[lottery] = 'Lottery A or Lottery B?';
  return dropColumns({ ...table, columns }, ['RespondentID']);
}

/** Table 3: complete respondents, one-hot (331 × 40, 5 classes). */
export function loadSteak(): ClassificationDataset {
  const table = completeRows(loadSteakTable('steak'));
  const encoder = fitTableEncoder(table, { target: STEAK_TARGET, categorical: 'one-hot', classOrder: STEAK_CLASSES });
  return encoder.transform(table, 'steak') as ClassificationDataset;
}

/** Table 5: steak eaters with a preparation, 12 ordinal features with missing answers (430 × 12). */
export function loadSteakEaters(): ClassificationDataset {
  const all = loadSteakTable('steak-eaters');
  const eats = columnIndex(all, 'Do you eat steak?');
  const target = columnIndex(all, STEAK_TARGET);
  const eaters = dropColumns(
    filterRows(all, (row) => row[eats] === 'Yes' && row[target] !== undefined),
    ['Do you eat steak?'],
  );
  const encoder = fitTableEncoder(eaters, { target: STEAK_TARGET, categorical: 'ordinal', classOrder: STEAK_CLASSES });
  return encoder.transform(eaters, 'steak-eaters') as ClassificationDataset;
}
