/**
 * The secret a malicious training algorithm steals (Song, Ristenpart and Shmatikov, CCS 2017):
 * training rows, each value quantised to 8 bits (a grey pixel), optionally shrunk by block
 * averaging so more images fit; plus the bit-level codecs every encoding shares.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Rng } from '../../random.ts';

/** Training rows as 8-bit values, item after item. */
export interface Secret {
  /** items × valuesPerItem values in 0…255. */
  values: Uint8Array;
  items: number;
  valuesPerItem: number;
  /** Present when the rows are grey images (after any downscaling). */
  image?: { width: number; height: number };
  /** Indices of the stolen rows in the training data. */
  rows: number[];
  /** Feature range mapped onto 0…255. */
  range: [number, number];
}

/** Options of `chooseSecret`. */
export interface SecretOptions {
  /** Integer factor to shrink images by (block averages), 1 for none. */
  downscale?: number;
}

/** The feature range of a data set (0…1 for our images). */
export function featureRange(data: ClassificationDataset): [number, number] {
  const values = data.features.data;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return high > low ? [low, high] : [low, low + 1];
}

/** The shape of one item of `data`'s secret: a grey image's (after downscaling), or a row's values. */
export function secretItemShape(data: ClassificationDataset, downscale = 1): { valuesPerItem: number; image?: { width: number; height: number } } {
  if (!Number.isInteger(downscale) || downscale < 1) throw new ValidationError('cannot choose the secret', [{ path: 'downscale', message: `${downscale}: give a whole factor ≥ 1` }]);
  if (downscale > 1 && (!data.image || data.image.channels !== 1)) {
    throw new ValidationError('cannot choose the secret', [{ path: 'downscale', message: `data set "${data.name}" is not grey images; downscale needs them` }]);
  }
  if (!data.image || data.image.channels !== 1) return { valuesPerItem: data.features.cols };
  const image = { width: Math.floor(data.image.width / downscale), height: Math.floor(data.image.height / downscale) };
  return { valuesPerItem: image.width * image.height, image };
}

/**
 * Takes `count` seeded training rows as the secret: the first `count` of one seeded permutation
 * of the rows, so a smaller `count` gives a prefix of a larger one's items.
 */
export function chooseSecret(data: ClassificationDataset, count: number, rng: Rng, options: SecretOptions = {}): Secret {
  const downscale = options.downscale ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > data.features.rows) {
    throw new ValidationError('cannot choose the secret', [{ path: 'items', message: `${count} rows asked of ${data.features.rows}; give 1…${data.features.rows}` }]);
  }
  const { valuesPerItem, image: shape } = secretItemShape(data, downscale);
  const range = featureRange(data);
  const rows = Array.from(rng.permutation(data.features.rows).subarray(0, count));
  const cols = data.features.cols;
  const values = new Uint8Array(count * valuesPerItem);
  const [low, span] = [range[0], range[1] - range[0]];
  const toByte = (value: number) => Math.max(0, Math.min(255, Math.round(((value - low) / span) * 255)));
  const features = data.features.data;
  rows.forEach((row, item) => {
    const out = values.subarray(item * valuesPerItem, (item + 1) * valuesPerItem);
    if (!shape || downscale === 1) {
      for (let k = 0, at = row * cols; k < valuesPerItem; k++, at++) out[k] = toByte(features[at]);
      return;
    }
    const source = features.subarray(row * cols, (row + 1) * cols);
    const width = data.image!.width;
    for (let y = 0; y < shape.height; y++) {
      for (let x = 0; x < shape.width; x++) {
        let sum = 0;
        for (let dy = 0; dy < downscale; dy++) for (let dx = 0; dx < downscale; dx++) sum += source[(y * downscale + dy) * width + x * downscale + dx];
        out[y * shape.width + x] = toByte(sum / (downscale * downscale));
      }
    }
  });
  return { values, items: count, valuesPerItem, image: shape, rows, range };
}

/** Values as a bit stream, most significant bit first. */
export function valuesToBits(values: ArrayLike<number>, bitsPerValue: number): Uint8Array {
  const bits = new Uint8Array(values.length * bitsPerValue);
  for (let i = 0; i < values.length; i++) {
    for (let b = 0; b < bitsPerValue; b++) bits[i * bitsPerValue + b] = (values[i] >>> (bitsPerValue - 1 - b)) & 1;
  }
  return bits;
}

/** The first `count` values of a bit stream (missing bits read as 0). */
export function bitsToValues(bits: ArrayLike<number>, bitsPerValue: number, count: number): Uint8Array {
  const values = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let value = 0;
    for (let b = 0; b < bitsPerValue; b++) value = (value << 1) | (bits[i * bitsPerValue + b] ?? 0);
    values[i] = value;
  }
  return values;
}

/** 8-bit values to `bits`-bit levels (nearest). */
export function quantize(values: ArrayLike<number>, bits: number): Uint8Array {
  const top = 2 ** bits - 1;
  return Uint8Array.from(values as ArrayLike<number>, (value) => Math.round((value * top) / 255));
}

/** `bits`-bit levels back to 8-bit values. */
export function dequantize(levels: ArrayLike<number>, bits: number): Uint8Array {
  const top = 2 ** bits - 1;
  return Uint8Array.from(levels as ArrayLike<number>, (level) => Math.round((Math.min(level, top) * 255) / top));
}
