/** The validation rows a network holds out for early stopping (seeded, stratified). */

import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { splitIndices } from '../../data/split.ts';
import type { Rng } from '../../random.ts';
import type { NetworkObjective } from './train-loop.ts';

/** Training rows and, when `fraction` > 0 and there are enough rows, validation rows. */
export function holdOutValidation(data: ClassificationDataset, fraction: number, rng: Rng): { train: ClassificationDataset; validation?: ClassificationDataset } {
  if (!(fraction > 0) || data.features.rows < 10) return { train: data };
  const split = splitIndices(data, { testFraction: fraction, rng, stratify: true });
  return { train: subsetRows(data, split.train), validation: subsetRows(data, split.test) };
}

/** The classification objective of a data set's labels. */
export function labelObjective(data: ClassificationDataset): NetworkObjective {
  return { kind: 'classification', labels: data.labels, classes: data.classes.length };
}
