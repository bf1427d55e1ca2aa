/** Training sets for shadow and reference models drawn from the attacker's population. */

import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Rng } from '../../random.ts';

/** One shadow model's training rows (`inside`) and as many rows it never saw (`outside`). */
export interface ShadowSplit {
  train: ClassificationDataset;
  inside: Uint32Array;
  outside: Uint32Array;
}

/** Draws `size` rows to train on and `size` held out (fewer when the population is small). */
export function shadowSplit(population: ClassificationDataset, size: number, rng: Rng): ShadowSplit {
  const rows = population.features.rows;
  if (rows < 2) throw new ValidationError('cannot train shadow models', [{ path: 'population', message: `${rows} rows; the attacker needs data of its own` }]);
  const order = rng.permutation(rows);
  const inSize = Math.min(size, Math.floor(rows / 2));
  const inside = order.slice(0, inSize);
  const outside = order.slice(inSize, Math.min(rows, 2 * inSize));
  return { train: subsetRows(population, inside), inside, outside };
}

/** Concatenates two data sets with the same columns and classes. */
export function concatRows(a: ClassificationDataset, b: ClassificationDataset): ClassificationDataset {
  const features = new Float64Array(a.features.data.length + b.features.data.length);
  features.set(a.features.data);
  features.set(b.features.data, a.features.data.length);
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  return { ...a, features: { rows: a.features.rows + b.features.rows, cols: a.features.cols, data: features }, labels, split: undefined };
}
