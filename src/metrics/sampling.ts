/**
 * Points drawn uniformly from a schema's feature domain, the way Tramèr et al. (2016) define
 * R_unif and draw their random queries: numeric features uniform in [min, max], categorical
 * features a uniformly chosen level (one-hot or ordinal as the schema lays it out).
 */

import { columnCount, type FeatureSchema } from '../data/schema.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import type { Rng } from '../random.ts';

/** `count` rows uniform over the domain of `schema`. */
export function uniformRows(schema: FeatureSchema, count: number, rng: Rng): Matrix {
  const cols = columnCount(schema);
  const out = createMatrix(count, cols);
  for (let i = 0; i < count; i++) {
    let offset = i * cols;
    for (const feature of schema.features) {
      if (feature.kind === 'numeric') {
        out.data[offset++] = rng.between(feature.min, feature.max);
      } else if (feature.encoding === 'one-hot') {
        out.data[offset + rng.int(feature.levels.length)] = 1;
        offset += feature.levels.length;
      } else {
        out.data[offset++] = rng.int(feature.levels.length);
      }
    }
  }
  return out;
}

/**
 * Uniform rows in which every level of every one-hot feature appears (each feature's levels are
 * dealt from shuffled decks, so over `count` ≥ levels rows none is missed): equations over
 * random rows then determine every level's weight, where independent draws leave rare levels out.
 */
export function coveringRows(schema: FeatureSchema, count: number, rng: Rng): Matrix {
  const out = uniformRows(schema, count, rng);
  const cols = out.cols;
  let start = 0;
  for (const feature of schema.features) {
    const width = feature.kind === 'categorical' && feature.encoding === 'one-hot' ? feature.levels.length : 1;
    if (feature.kind === 'categorical' && feature.encoding === 'one-hot') {
      let deck: number[] = [];
      for (let i = 0; i < count; i++) {
        if (deck.length === 0) deck = rng.shuffle(Array.from({ length: width }, (_, l) => l));
        const level = deck.pop()!;
        out.data.fill(0, i * cols + start, i * cols + start + width);
        out.data[i * cols + start + level] = 1;
      }
    }
    start += width;
  }
  return out;
}

/** Columns that are zero in every row: their weights are not determined by equations over these rows. */
export function unconstrainedColumns(rows: Matrix): number[] {
  const seen = new Uint8Array(rows.cols);
  for (let k = 0; k < rows.data.length; k++) if (rows.data[k] !== 0) seen[k % rows.cols] = 1;
  const out: number[] = [];
  seen.forEach((value, j) => value === 0 && out.push(j));
  return out;
}
