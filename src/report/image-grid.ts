/**
 * A grid of grey images for a PNG: groups of images side by side (e.g. a stolen training image
 * beside what the attacker decoded), several groups to a row, separated by a mid-grey gutter.
 */

import type { GreyImage } from '../data/loaders/image.ts';

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
