/**
 * UCI Adult (census income), `steal-ml/aws_adult.csv`: 32,561 rows. As in Tramèr et al. 2016
 * (Table 3), `?` is kept as a category and every categorical column is one-hot encoded: 108
 * features for the target income, 105 for the target race (income then becomes a feature).
 */

import type { ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { fitTableEncoder } from '../encoders/table-encoder.ts';
import { loadCsv } from '../loaders/csv.ts';

/** Which column Adult is predicting. */
export type AdultTarget = 'income' | 'race';

/** Relative path of the Adult file under the data root. */
export const ADULT_FILE = 'steal-ml/aws_adult.csv';

/** Loads Adult with the given target (income by default). */
export function loadAdult(target: AdultTarget = 'income'): ClassificationDataset {
  const path = requireDataFile(`adult-${target}`, ADULT_FILE);
  const table = loadCsv(path, { missing: [] });
  const encoder = fitTableEncoder(table, { target });
  return encoder.transform(table, `adult-${target}`) as ClassificationDataset;
}
