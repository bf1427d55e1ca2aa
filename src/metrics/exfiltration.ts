/**
 * How well a decoded secret matches the stolen training data (Song et al., CCS 2017, §6): per
 * item, the mean absolute pixel error on the 0–255 scale (MAPE), the cosine similarity of the
 * value vectors, and SSIM for images; over all items, the share of values and of bits recovered
 * exactly.
 */

import { ValidationError } from '../errors.ts';
import { ssim } from './similarity.ts';

/** One item's scores. */
export interface ItemScore {
  mape: number;
  cosine: number;
  ssim?: number;
  exact: boolean;
}

/** Scores of a decoded secret. */
export interface SecretScore {
  items: ItemScore[];
  /** Means over items. */
  mape: number;
  cosine: number;
  ssim?: number;
  /** Items decoded exactly. */
  exactItems: number;
  /** Share of values decoded exactly. */
  exactValues: number;
  /** Share of the secret's bits (8 per value) decoded right. */
  bitAccuracy: number;
}

/** Cosine similarity of two value vectors (1 for parallel, 0 when either is all zero). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** Mean absolute difference (on whatever scale the values are: 0–255 here). */
export function meanAbsoluteError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Scores `decoded` against `truth`, item by item. */
export function scoreSecret(decoded: Uint8Array, truth: Uint8Array, valuesPerItem: number, image?: { width: number; height: number }): SecretScore {
  if (decoded.length !== truth.length || truth.length % valuesPerItem !== 0) {
    throw new ValidationError('cannot score the decoded secret', [{ path: 'values', message: `${decoded.length} decoded values for ${truth.length} true ones in items of ${valuesPerItem}; decode with the key of this secret` }]);
  }
  const items: ItemScore[] = [];
  let exactValues = 0;
  let wrongBits = 0;
  for (let i = 0; i < truth.length; i++) {
    let differ = decoded[i] ^ truth[i];
    while (differ) {
      wrongBits += differ & 1;
      differ >>>= 1;
    }
  }
  for (let start = 0; start < truth.length; start += valuesPerItem) {
    const a = decoded.subarray(start, start + valuesPerItem);
    const b = truth.subarray(start, start + valuesPerItem);
    let same = 0;
    for (let k = 0; k < valuesPerItem; k++) if (a[k] === b[k]) same++;
    exactValues += same;
    const item: ItemScore = { mape: meanAbsoluteError(a, b), cosine: cosineSimilarity(a, b), exact: same === valuesPerItem };
    if (image && image.width >= 8 && image.height >= 8) item.ssim = ssim(Float64Array.from(a, (v) => v / 255), Float64Array.from(b, (v) => v / 255), image.width, image.height);
    items.push(item);
  }
  const mean = (pick: (item: ItemScore) => number) => items.reduce((sum, item) => sum + pick(item), 0) / items.length;
  return {
    items,
    mape: mean((item) => item.mape),
    cosine: mean((item) => item.cosine),
    ssim: items[0]?.ssim === undefined ? undefined : mean((item) => item.ssim!),
    exactItems: items.filter((item) => item.exact).length,
    exactValues: exactValues / truth.length,
    bitAccuracy: 1 - wrongBits / (8 * truth.length),
  };
}
