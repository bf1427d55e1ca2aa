/**
 * Black-box MI-Face (Fredrikson et al. 2015, §5.2 and §7): Algorithm 1 with the gradient
 * estimated through the oracle by finite differences. Pixels are grouped into square blocks, so
 * one gradient estimate costs one query per block plus one for the current image; each step
 * moves along the estimated gradient of log f_label, clipped to the feature domain. Rounded
 * confidences (the paper's countermeasure) flatten the differences to zero and stall it.
 * Queries are counted by whatever decorates the oracle (the attack runner).
 */

import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { requireReveals } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { ParamSpecs, ParamValues } from '../../models/params.ts';

/** Parameters of the finite-difference variant. */
export const MI_FACE_BLACK_BOX_PARAMS = {
  step: { type: 'number', default: 0.05, above: 0, doc: 'step along the estimated gradient of log f_label (per unit of block gradient)' },
  maxIterations: { type: 'number', default: 100, min: 1, integer: true, doc: 'gradient estimates at most' },
  patience: { type: 'number', default: 20, min: 1, integer: true, doc: 'stop after this many steps without a higher confidence' },
  confidence: { type: 'number', default: 0.99, above: 0, max: 1, doc: 'stop when the target confidence reaches γ' },
  block: { type: 'number', default: 16, min: 1, integer: true, doc: 'side of the square pixel blocks (one query per block per step)' },
  delta: { type: 'number', default: 0.05, above: 0, doc: 'finite-difference perturbation of a block' },
} satisfies ParamSpecs;

/** Validated parameters. */
export type MiFaceBlackBoxParams = ParamValues<typeof MI_FACE_BLACK_BOX_PARAMS>;

/** One reconstruction from queries alone. */
export interface MiFaceBlackBoxResult {
  label: number;
  image: Float64Array;
  confidence: number;
  iterations: number;
}

/** Pixel indices of each block of a width × height image. */
function blocksOf(width: number, height: number, side: number): number[][] {
  const blocks: number[][] = [];
  for (let top = 0; top < height; top += side) {
    for (let left = 0; left < width; left += side) {
      const pixels: number[] = [];
      for (let y = top; y < Math.min(top + side, height); y++) for (let x = left; x < Math.min(left + side, width); x++) pixels.push(y * width + x);
      blocks.push(pixels);
    }
  }
  return blocks;
}

/** Inverts one label through a scores oracle. */
export async function miFaceBlackBox(
  target: Oracle,
  label: number,
  image: { width: number; height: number },
  params: MiFaceBlackBoxParams,
): Promise<MiFaceBlackBoxResult> {
  const oracle = requireReveals(target, 'scores', 'mi-face-black-box');
  const d = image.width * image.height;
  if (d !== oracle.info.inputSize) {
    throw new ValidationError('cannot invert', [{ path: 'image', message: `${image.width}×${image.height} = ${d} pixels, the model takes ${oracle.info.inputSize} inputs` }]);
  }
  const classes = oracle.info.classes.length;
  if (!Number.isInteger(label) || label < 0 || label >= classes) {
    throw new ValidationError('cannot invert', [{ path: 'label', message: `label ${label} is not a class index in [0, ${classes - 1}]` }]);
  }
  const blocks = blocksOf(image.width, image.height, params.block);
  const logConfidence = (p: number): number => Math.log(Math.max(p, 1e-300));
  let x = new Float64Array(d);
  let best = x.slice();
  let bestConfidence = -1;
  let stale = 0;
  let iterations = 0;
  for (let i = 0; i < params.maxIterations; i++) {
    const rows: Matrix = createMatrix(blocks.length + 1, d);
    for (let r = 0; r <= blocks.length; r++) rows.data.set(x, r * d);
    blocks.forEach((pixels, b) => {
      const offset = (b + 1) * d;
      for (const pixel of pixels) rows.data[offset + pixel] = Math.min(1, x[pixel] + params.delta);
    });
    const answers = await oracle.query(rows);
    iterations = i + 1;
    const base = answers[0].probabilities[label];
    if (base > bestConfidence) {
      bestConfidence = base;
      best = x.slice();
      stale = 0;
    } else if (++stale >= params.patience) {
      break;
    }
    if (bestConfidence >= params.confidence) break;
    const next = x.slice();
    blocks.forEach((pixels, b) => {
      const slope = (logConfidence(answers[b + 1].probabilities[label]) - logConfidence(base)) / params.delta;
      for (const pixel of pixels) next[pixel] = Math.min(1, Math.max(0, x[pixel] + params.step * slope));
    });
    x = next;
  }
  return { label, image: best, confidence: bestConfidence, iterations };
}
