/**
 * A grid of grey images for a PNG: groups of images side by side (e.g. a stolen training image
 * beside what the attacker decoded), several groups to a row, separated by a mid-grey gutter.
 */

import type { GreyImage } from '../data/loaders/image.ts';
import { rowView, type Matrix } from '../math/matrix.ts';

/** Lays out `groups` (each a list of 8-bit images of one size) in rows of `perRow` groups. */
export function imageGrid(groups: Uint8Array[][], shape: { width: number; height: number }, perRow = 8, gutter = 2): GreyImage {
  const perGroup = Math.max(1, ...groups.map((group) => group.length));
  const columns = Math.min(perRow, Math.max(1, groups.length));
  const rows = Math.max(1, Math.ceil(groups.length / columns));
  const groupWidth = perGroup * shape.width + (perGroup - 1);
  const width = columns * groupWidth + (columns + 1) * gutter;
  const height = rows * shape.height + (rows + 1) * gutter;
  const pixels = new Float64Array(width * height).fill(0.5);
  groups.forEach((group, g) => {
    const top = gutter + Math.floor(g / columns) * (shape.height + gutter);
    const left = gutter + (g % columns) * (groupWidth + gutter);
    group.forEach((image, k) => {
      const x0 = left + k * (shape.width + 1);
      for (let y = 0; y < shape.height; y++) {
        for (let x = 0; x < shape.width; x++) pixels[(top + y) * width + x0 + x] = image[y * shape.width + x] / 255;
      }
    });
  });
  return { width, height, pixels };
}

/** Up to `max` items of a secret, each true image beside its decoding (or the decoding alone without the truth). */
export function secretGrid(decoded: Uint8Array, truth: Uint8Array | undefined, valuesPerItem: number, shape: { width: number; height: number }, max: number): GreyImage {
  const slice = (values: Uint8Array, i: number) => values.subarray(i * valuesPerItem, (i + 1) * valuesPerItem);
  const items = Math.min(max, Math.floor(decoded.length / valuesPerItem));
  return imageGrid(Array.from({ length: items }, (_, i) => (truth ? [slice(truth, i), slice(decoded, i)] : [slice(decoded, i)])), shape);
}

/** Up to `max` adversarial examples: each input x, its perturbation |x' − x| amplified to the full grey range, and x' (pixels in [0, 1]). */
export function perturbationGrid(inputs: Matrix, adversarial: Matrix, shape: { width: number; height: number }, max: number): GreyImage {
  const pixels = shape.width * shape.height;
  const groups: Uint8Array[][] = [];
  for (let i = 0; i < Math.min(max, adversarial.rows); i++) {
    const [x, y] = [rowView(inputs, i).subarray(0, pixels), rowView(adversarial, i).subarray(0, pixels)];
    const largest = Math.max(1e-12, ...Array.from(x, (value, j) => Math.abs(y[j] - value)));
    groups.push([Uint8Array.from(x, (v) => Math.round(255 * v)), Uint8Array.from(x, (v, j) => Math.round((255 * Math.abs(y[j] - v)) / largest)), Uint8Array.from(y, (v) => Math.round(255 * v))]);
  }
  return imageGrid(groups, shape, 4);
}
