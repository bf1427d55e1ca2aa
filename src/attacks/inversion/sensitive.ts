/**
 * The sensitive feature of a model-inversion attack (Fredrikson et al. 2014, 2015): a
 * categorical input whose value the attacker wants, with the marginal prior p(v) the papers
 * assume public (survey marginals, genotype frequencies). Helpers to read a row's level and to
 * write a candidate level into an encoded row, in any encoding (one-hot or ordinal).
 */

import type { Dataset } from '../../data/dataset.ts';
import { columnLayout, type CategoricalFeature, type FeatureColumns, type FeatureSchema } from '../../data/schema.ts';
import { ValidationError } from '../../errors.ts';

/** A categorical feature of a schema, with its encoded columns. */
export interface SensitiveFeature {
  index: number;
  name: string;
  levels: string[];
  columns: FeatureColumns;
}

/** Looks up a categorical feature by name; the error lists the categorical features there are. */
export function categoricalFeature(schema: FeatureSchema, name: string): SensitiveFeature {
  const layout = columnLayout(schema);
  const index = schema.features.findIndex((feature) => feature.name === name);
  const feature = schema.features[index];
  if (!feature || feature.kind !== 'categorical') {
    const choices = schema.features.filter((f) => f.kind === 'categorical').map((f) => `"${f.name}"`);
    throw new ValidationError(`cannot invert "${name}"`, [
      { path: 'sensitive', message: `${feature ? 'is numeric' : 'no such feature'}; a categorical feature of the model is one of ${choices.join(', ') || '(none)'}` },
    ]);
  }
  return { index, name, levels: (feature as CategoricalFeature).levels, columns: layout[index] };
}

/** The level a row holds (−1 when missing). */
export function levelOf(row: ArrayLike<number>, feature: SensitiveFeature): number {
  const { start, width } = feature.columns;
  const encoding = (feature.columns.feature as CategoricalFeature).encoding;
  if (encoding === 'ordinal') {
    const value = row[start];
    return Number.isNaN(value) ? -1 : value;
  }
  for (let k = 0; k < width; k++) if (row[start + k] === 1) return k;
  return -1;
}

/** Writes `level` into an encoded row, in place (−1 writes "missing": NaN, or all-zero one-hot). */
export function setLevel(row: Float64Array, feature: SensitiveFeature, level: number): void {
  const { start, width } = feature.columns;
  const encoding = (feature.columns.feature as CategoricalFeature).encoding;
  if (encoding === 'ordinal') {
    row[start] = level < 0 ? Number.NaN : level;
    return;
  }
  for (let k = 0; k < width; k++) row[start + k] = k === level ? 1 : 0;
}

/**
 * Marginal prior of a feature's levels in `data` (missing values ignored), with add-one
 * smoothing so no level has probability 0.
 */
export function marginalPrior(data: Dataset, feature: SensitiveFeature): Float64Array {
  const counts = new Float64Array(feature.levels.length).fill(1);
  const { rows, cols } = data.features;
  for (let i = 0; i < rows; i++) {
    const level = levelOf(data.features.data.subarray(i * cols, (i + 1) * cols), feature);
    if (level >= 0) counts[level] += 1;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((count) => count / total);
}

/** The true level of every row (−1 where missing). */
export function trueLevels(data: Dataset, feature: SensitiveFeature): Int32Array {
  const { rows, cols } = data.features;
  return Int32Array.from({ length: rows }, (_, i) => levelOf(data.features.data.subarray(i * cols, (i + 1) * cols), feature));
}
