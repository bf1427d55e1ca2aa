/** The validation rows a network holds out for early stopping (seeded, stratified). */

import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { splitIndices } from '../../data/split.ts';
import type { Rng } from '../../random.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { LoopOptions, NetworkObjective } from './train-loop.ts';

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

/** The loop settings a network trainer takes from its params and held-out rows (`prepare` scales them as the training rows). */
export function loopSettings(
  p: { learningRate: number; batchSize: number; epochs: number; l2: number; patience: number },
  validation: ClassificationDataset | undefined,
  prepare: (m: Matrix) => Matrix = (m) => m,
): Pick<LoopOptions, 'learningRate' | 'batchSize' | 'epochs' | 'l2' | 'patience' | 'validation'> {
  return {
    learningRate: p.learningRate,
    batchSize: p.batchSize,
    epochs: p.epochs,
    l2: p.l2,
    patience: validation ? p.patience : 0,
    validation: validation && { features: prepare(validation.features), objective: labelObjective(validation) },
  };
}
