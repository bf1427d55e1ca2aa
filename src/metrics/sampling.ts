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
