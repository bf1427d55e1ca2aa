/** Tiles grey images into one grid image (a reconstruction beside a training face, per person). */

import { ValidationError } from '../../errors.ts';
import type { GreyImage } from './image.ts';

/** Lays `images` (all the same size) out in rows of `columns`, with a `gap`-pixel white border. */
export function imageGrid(images: readonly GreyImage[], columns: number, gap = 2): GreyImage {
  if (images.length === 0) throw new ValidationError('cannot draw a grid', [{ path: 'images', message: 'no images' }]);
  const { width, height } = images[0];
  if (images.some((image) => image.width !== width || image.height !== height)) {
    throw new ValidationError('cannot draw a grid', [{ path: 'images', message: `images differ in size; all must be ${width}×${height}` }]);
  }
  const rows = Math.ceil(images.length / columns);
  const gridWidth = columns * (width + gap) + gap;
  const gridHeight = rows * (height + gap) + gap;
  const pixels = new Float64Array(gridWidth * gridHeight).fill(1);
  images.forEach((image, k) => {
    const left = gap + (k % columns) * (width + gap);
    const top = gap + Math.floor(k / columns) * (height + gap);
    for (let y = 0; y < height; y++) pixels.set(image.pixels.subarray(y * width, (y + 1) * width), (top + y) * gridWidth + left);
  });
  return { width: gridWidth, height: gridHeight, pixels };
}
