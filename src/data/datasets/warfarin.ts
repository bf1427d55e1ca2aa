/**
 * IWPC warfarin data (International Warfarin Pharmacogenetics Consortium, NEJM 2009).
 * - `warfarin` — the scaled subset of Yeom et al. (`warfarin/iwpc-scaled.csv`): 4,819 patients,
 *   8 features (race, age, height, weight, amiodarone, enzyme inducer, CYP2C9, VKORC1) and the
 *   standardised weekly dose as regression target. These are the features of the linear dose
 *   model whose VKORC1 and CYP2C9 genotypes Fredrikson et al. (USENIX Sec 2014) invert.
 * - `warfarin-raw` — the raw IWPC table (`warfarin/iwpc_data_7_3_09_revised.csv`), 5,700 × 67,
 *   with the Excel-mangled age band `19-Oct` restored to `10 - 19`.
 */

import type { RegressionDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { fitTableEncoder } from '../encoders/table-encoder.ts';
import { loadCsv } from '../loaders/csv.ts';
import { mapColumn, type Table } from '../table.ts';

/** Relative paths under the data root. */
export const WARFARIN_SCALED_FILE = 'warfarin/iwpc-scaled.csv';
export const WARFARIN_RAW_FILE = 'warfarin/iwpc_data_7_3_09_revised.csv';
/** Genotype levels, in the order the papers tabulate them. */
export const VKORC1_LEVELS = ['CC', 'CT', 'TT'];
export const CYP2C9_LEVELS = ['11', '12', '13', '22', '23', '33'];

/** The scaled subset: 4,819 × 8 features, dose target (regression). */
export function loadWarfarin(): RegressionDataset {
  const table = loadCsv(requireDataFile('warfarin', WARFARIN_SCALED_FILE));
  const encoder = fitTableEncoder(table, {
    target: 'dose',
    task: 'regression',
    columns: { race: 'one-hot', cyp2c9: 'one-hot', vkorc1: 'one-hot', amiodarone: 'numeric', decr: 'numeric' },
  });
  return encoder.transform(table, 'warfarin') as RegressionDataset;
}

/** The raw IWPC table, 5,700 × 67, `NA` as missing and the age band `19-Oct` fixed. */
export function loadWarfarinRawTable(): Table {
  const table = loadCsv(requireDataFile('warfarin-raw', WARFARIN_RAW_FILE), { missing: ['', 'NA'] });
  return mapColumn(table, 'Age', (value) => (value === '19-Oct' ? '10 - 19' : value));
}
