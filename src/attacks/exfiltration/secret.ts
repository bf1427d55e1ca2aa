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
  let low = Infinity;
  let high = -Infinity;
  for (const value of data.features.data) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return high > low ? [low, high] : [low, low + 1];
}

/** Takes `count` seeded training rows as the secret. */
export function chooseSecret(data: ClassificationDataset, count: number, rng: Rng, options: SecretOptions = {}): Secret {
  const downscale = options.downscale ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > data.features.rows) {
    throw new ValidationError('cannot choose the secret', [{ path: 'items', message: `${count} rows asked of ${data.features.rows}; give 1…${data.features.rows}` }]);
  }
  if (!Number.isInteger(downscale) || downscale < 1) throw new ValidationError('cannot choose the secret', [{ path: 'downscale', message: `${downscale}: give a whole factor ≥ 1` }]);
  if (downscale > 1 && (!data.image || data.image.channels !== 1)) {
    throw new ValidationError('cannot choose the secret', [{ path: 'downscale', message: `data set "${data.name}" is not grey images; downscale needs them` }]);
  }
  const range = featureRange(data);
  const rows = Array.from(rng.permutation(data.features.rows).subarray(0, count));
  const cols = data.features.cols;
  const shape = data.image && data.image.channels === 1 ? { width: Math.floor(data.image.width / downscale), height: Math.floor(data.image.height / downscale) } : undefined;
  const valuesPerItem = shape ? shape.width * shape.height : cols;
  const values = new Uint8Array(count * valuesPerItem);
  const toByte = (value: number) => Math.max(0, Math.min(255, Math.round(((value - range[0]) / (range[1] - range[0])) * 255)));
  rows.forEach((row, item) => {
    const source = data.features.data.subarray(row * cols, (row + 1) * cols);
    const out = values.subarray(item * valuesPerItem, (item + 1) * valuesPerItem);
    if (!shape || downscale === 1) {
      for (let k = 0; k < valuesPerItem; k++) out[k] = toByte(source[k]);
      return;
    }
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
