/**
 * A property of a whole training set (Ateniese et al., "Hacking smart machines with smarter
 * ones", 2015): the share of its rows whose categorical feature has a level — e.g. the share of
 * women in an income model's training data, 20% or 50%. The attacker tells two candidate shares
 * apart; training sets with a chosen share are drawn from a pool by seeded sampling.
 */

import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { columnLayout } from '../../data/schema.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import type { Rng } from '../../random.ts';

/** Which rows have the property, and the two shares the attacker tells apart. */
export interface PropertySpec {
  feature: string;
  level: string;
  /** The two candidate shares, in the order of the attack's labels 0 and 1. */
  shares: [number, number];
}

/** Parses `FEATURE=LEVEL:SHARE0,SHARE1`, e.g. `sex=Female:0.2,0.5`. */
export function parseProperty(text: string): PropertySpec {
  const match = /^(.+)=(.+):([\d.]+),([\d.]+)$/.exec(text.trim());
  const shares = match ? [Number(match[3]), Number(match[4])] : [];
  if (!match || shares.some((share) => !(share >= 0 && share <= 1)) || shares[0] === shares[1]) {
    throw new ValidationError('invalid property', [{ path: 'property', message: `"${text}"; give FEATURE=LEVEL:SHARE0,SHARE1 with two different shares in [0, 1], e.g. sex=Female:0.2,0.5` }]);
  }
  return { feature: match[1].trim(), level: match[2].trim(), shares: [shares[0], shares[1]] };
}

/**
 * 1 for each row whose feature has the level (one-hot or ordinal columns), or whose label is the
 * level when the property names the target (e.g. `label=spam:0.1,0.3`, the share of spam).
 */
export function propertyMask(data: ClassificationDataset, spec: PropertySpec): Uint8Array {
  const column = columnLayout(data.schema).find((entry) => entry.feature.name === spec.feature);
  if (!column && spec.feature === data.targetName) return labelMask(data, spec);
  if (!column) throw new ThreatlabError('not-found', `no feature "${spec.feature}" in ${data.name}; its features are ${data.schema.features.map((f) => `"${f.name}"`).slice(0, 12).join(', ')}, and its target is "${data.targetName}"`);
  if (column.feature.kind !== 'categorical') throw new ValidationError('invalid property', [{ path: 'property', message: `"${spec.feature}" is numeric; a property names a categorical feature's level` }]);
  const level = column.feature.levels.indexOf(spec.level);
  if (level < 0) throw new ThreatlabError('not-found', `"${spec.feature}" has no level "${spec.level}"; its levels are ${column.feature.levels.map((l) => `"${l}"`).join(', ')}`);
  const cols = data.features.cols;
  const oneHot = column.feature.encoding === 'one-hot';
  return Uint8Array.from({ length: data.features.rows }, (_, i) => {
    const row = i * cols + column.start;
    return oneHot ? (data.features.data[row + level] === 1 ? 1 : 0) : data.features.data[row] === level ? 1 : 0;
  });
}

function labelMask(data: ClassificationDataset, spec: PropertySpec): Uint8Array {
  const label = data.classes.indexOf(spec.level);
  if (label < 0) throw new ThreatlabError('not-found', `the target "${data.targetName}" of ${data.name} has no class "${spec.level}"; its classes are ${data.classes.map((c) => `"${c}"`).join(', ')}`);
  return Uint8Array.from(data.labels, (value) => (value === label ? 1 : 0));
}

/** `size` rows of `pool` of which round(share · size) have the property, drawn without replacement. */
export function sampleWithShare(pool: ClassificationDataset, mask: Uint8Array, share: number, size: number, rng: Rng): ClassificationDataset {
  return subsetRows(pool, sampleRowsWithShare(mask, share, size, rng));
}

/** The pool's rows with and without the property (`mask`), each in order: what a draw shuffles. */
export interface PropertyPartition {
  having: Int32Array;
  lacking: Int32Array;
}

/** The rows of `mask` with and without the property, for many draws from one pool. */
export function propertyPartition(mask: Uint8Array): PropertyPartition {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i] ? 1 : 0;
  const [having, lacking] = [new Int32Array(count), new Int32Array(mask.length - count)];
  for (let i = 0, h = 0, l = 0; i < mask.length; i++) {
    if (mask[i]) having[h++] = i;
    else lacking[l++] = i;
  }
  return { having, lacking };
}

/**
 * The indices `sampleWithShare` takes (`mask`: the pool's rows with the property, or its
 * partition made once for many draws), in the order it takes them: round(share · size) chosen
 * uniformly from the rows with the property and the rest from those without (`Rng.choose`, whose
 * cost is the draw's size, not the pool's), then shuffled together.
 */
export function sampleRowsWithShare(mask: Uint8Array | PropertyPartition, share: number, size: number, rng: Rng): Int32Array {
  const partition = mask instanceof Uint8Array ? propertyPartition(mask) : mask;
  const wanted = Math.round(share * size);
  if (wanted > partition.having.length || size - wanted > partition.lacking.length) {
    throw new ValidationError('cannot draw the training set', [{ path: 'size', message: `${size} rows at share ${share} need ${wanted} with the property and ${size - wanted} without; the pool has ${partition.having.length} and ${partition.lacking.length}; draw fewer rows` }]);
  }
  const rows = new Int32Array(size);
  rng.chooseInto(partition.having, wanted, rows, 0);
  rng.chooseInto(partition.lacking, size - wanted, rows, wanted);
  // Those with the property first, then the rest: shuffled together, the order a fit sees is random.
  return rng.shuffle(rows);
}
