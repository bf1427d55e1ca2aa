/**
 * Image similarity for reconstructions (MI-Face evaluation): mean squared error and SSIM
 * (Wang et al., IEEE TIP 2004) over 8×8 windows with stride 4, for grey images in [0, 1].
 */

import { ValidationError } from '../errors.ts';

/** Mean squared pixel difference. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new ValidationError('cannot compare images', [{ path: 'pixels', message: `${a.length} and ${b.length} pixels; images must have the same size` }]);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum / a.length;
}

/** Structural similarity, averaged over 8×8 windows (stride 4); 1 for identical images. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number, window = 8, stride = 4): number {
  if (a.length !== width * height || b.length !== width * height) {
    throw new ValidationError('cannot compare images', [{ path: 'pixels', message: `expected ${width}×${height} = ${width * height} pixels, got ${a.length} and ${b.length}` }]);
  }
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let total = 0;
  let windows = 0;
  const n = window * window;
  for (let top = 0; top + window <= height; top += stride) {
    for (let left = 0; left + window <= width; left += stride) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = top; y < top + window; y++) {
        for (let x = left; x < left + window; x++) {
          const u = a[y * width + x];
          const v = b[y * width + x];
          sa += u; sb += v; saa += u * u; sbb += v * v; sab += u * v;
        }
      }
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows += 1;
    }
  }
  return total / windows;
}

/** Pearson correlation of two images (contrast- and brightness-invariant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const u = a[i] - ma, v = b[i] - mb;
    sab += u * v; saa += u * u; sbb += v * v;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Identifies each image as the label of its most correlated reference image — a 1-nearest-
 * neighbour face classifier fitted on references the attacked model never saw, standing in for
 * the paper's human raters (who recognise a dark, low-contrast reconstruction as readily as a
 * bright one; correlation ignores brightness and contrast as they do).
 */
export function identifyByCorrelation(images: { rows: number; cols: number; data: Float64Array }, references: { rows: number; cols: number; data: Float64Array }, referenceLabels: ArrayLike<number>): Int32Array {
  // A constant image (a failed inversion) correlates with nothing: it is identified as no one (−1).
  const out = new Int32Array(images.rows).fill(-1);
  for (let i = 0; i < images.rows; i++) {
    const image = images.data.subarray(i * images.cols, (i + 1) * images.cols);
    let best = 0;
    for (let r = 0; r < references.rows; r++) {
      const score = correlation(image, references.data.subarray(r * references.cols, (r + 1) * references.cols));
      if (score > best) {
        best = score;
        out[i] = referenceLabels[r];
      }
    }
  }
  return out;
}
