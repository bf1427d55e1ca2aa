/** The validation rows a network holds out for early stopping (seeded, stratified). */

import { concatRows, subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { splitIndices } from '../../data/split.ts';
import type { Rng } from '../../random.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { LoopOptions, NetworkObjective } from './train-loop.ts';

/** Training rows and, when `fraction` > 0 and there are enough rows, validation rows. */
export function holdOutValidation(data: ClassificationDataset, fraction: number, rng: Rng): { train: ClassificationDataset; validation?: ClassificationDataset } {
  const held = holdOutRows(data, fraction, rng);
  return { train: held.only ? subsetRows(data, held.only) : data, validation: held.validation };
}

/**
 * `holdOutValidation`'s split with the training rows left where they are: their row numbers in
 * `data` (`only`, in the order a copy would hold them; absent when none are held out) and their
 * labels, for a trainer that reads them in place (the native engine: a Fashion-MNIST MLP's copy of
 * 63,000 rows took 0.8 s and 395 MB); the validation rows, a few, copied out.
 */
export function holdOutRows(data: ClassificationDataset, fraction: number, rng: Rng): { only?: Uint32Array; labels: Int32Array; validation?: ClassificationDataset } {
  if (!(fraction > 0) || data.features.rows < 10) return { labels: data.labels };
  const split = splitIndices(data, { testFraction: fraction, rng, stratify: true });
  return { only: split.train, labels: Int32Array.from(split.train, (row) => data.labels[row]), validation: subsetRows(data, split.test) };
}

/**
 * A network trainer's training and validation rows. The training rows stay where they lie in
 * `data` (their numbers `only`, and their labels; the native engine reads them there, another
 * engine gets them copied) unless rows join them (`extraRows`: malicious training's) or `copy` is
 * asked (adversarial training reads their columns' ranges): then they are a data set of their own.
 */
export function networkTrainingRows(
  data: ClassificationDataset,
  fraction: number,
  rng: Rng,
  { extraRows, copy = false }: { extraRows?: ClassificationDataset; copy?: boolean } = {},
): { train: { features: Matrix; labels: Int32Array }; only?: Uint32Array; validation?: ClassificationDataset } {
  if (!extraRows && !copy) {
    const held = holdOutRows(data, fraction, rng);
    return { train: { features: data.features, labels: held.labels }, only: held.only, validation: held.validation };
  }
  const held = holdOutValidation(data, fraction, rng);
  return { train: extraRows ? concatRows(held.train, extraRows) : held.train, validation: held.validation };
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
