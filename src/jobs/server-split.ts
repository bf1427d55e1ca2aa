/**
 * How a server training job splits an uploaded CSV — and how an audit job rebuilds that split
 * to judge membership on the true members. One function for both, so they cannot drift apart.
 */

import type { Dataset } from '../data/dataset.ts';
import { parseCsv } from '../data/loaders/csv.ts';
import { splitUserTable } from '../data/user-data.ts';
import { missingValuesRefusal } from '../models/registry.ts';
import type { Rng } from '../random.ts';
import type { TrainSpec } from './messages.ts';

/** Train and test parts of an uploaded CSV, split with the first fork of the job's `rng`. */
export function splitServerDataset(csv: Uint8Array, datasetName: string, spec: TrainSpec, task: 'classification' | 'regression', rng: Rng): { train: Dataset; test: Dataset } {
  const text = Buffer.from(csv.buffer, csv.byteOffset, csv.byteLength).toString('utf8');
  return splitUserTable(parseCsv(text, datasetName), datasetName, {
    target: spec.target,
    task,
    testFraction: spec.testFraction,
    rng: rng.fork(),
    categorical: spec.model === 'tree' ? 'ordinal' : 'one-hot',
    refuseMissing: missingValuesRefusal(spec.model),
  });
}
