/**
 * Image inversion in an audit (Fredrikson, Jha and Ristenpart, CCS 2015): for a model of
 * grey images in hand whose gradients we can take (softmax, MLP), MI-Face draws one image per
 * class; each is then matched to its most correlated real image among the user's members — an
 * independent nearest-neighbour identifier standing in for the paper's human raters — because
 * the model's own confidence in an image is not resemblance. The images go in the report beside
 * the member they look most like.
 */

import { differentiable } from '../attacks/inversion/differentiable.ts';
import { miFace, MI_FACE_PARAMS } from '../attacks/inversion/mi-face.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { encodePng } from '../data/loaders/image.ts';
import { hasCode } from '../errors.ts';
import { identifyByCorrelation } from '../metrics/similarity.ts';
import { resolveParams } from '../models/params.ts';
import type { Model } from '../models/types.ts';
import type { Progress } from '../progress.ts';

/** One class's reconstruction. */
export interface FaceImage {
  label: number;
  class: string;
  confidence: number;
  /** The class of the most correlated member image (null: a flat image matches none). */
  identifiedAs: string | null;
  /** Grey PNG, base64, contrast-stretched to [0, 1] as the brightness-blind identifier sees it (written as a file beside the report, inlined in the page). */
  png: string;
  /** The most correlated member image, base64 PNG. */
  nearestPng?: string;
}

/** MI-Face's result in an audit. */
export interface FaceInversion {
  width: number;
  height: number;
  images: FaceImage[];
  /** Reconstructions recognised as their own class; undefined without member images. */
  recognised?: number;
  references?: number;
  seconds: number;
}

/** The grey image shape of a model's input, when its input looks like one (pixels in [0, 1]). */
export function imageShapeOf(model: Model): { width: number; height: number } | undefined {
  const declared = (model as { image?: { width: number; height: number; channels: number } }).image;
  if (declared) return declared.channels === 1 ? { width: declared.width, height: declared.height } : undefined;
  const features = model.schema.features;
  if (features.length < 64 || !features.every((feature) => feature.kind === 'numeric' && feature.min === 0 && feature.max === 1)) return undefined;
  if (features.length === 92 * 112) return { width: 92, height: 112 };
  const side = Math.round(Math.sqrt(features.length));
  return side * side === features.length ? { width: side, height: side } : undefined;
}

/** Runs MI-Face on each class (at most `maxClasses`), identifying each image among `members` when given. */
export async function auditFaces(model: Model, shape: { width: number; height: number }, members: ClassificationDataset | undefined, maxClasses: number, progress: Progress): Promise<FaceInversion | undefined> {
  if (model.task !== 'classification') return undefined;
  let network;
  try {
    network = await differentiable(model);
  } catch (error) {
    if (hasCode(error, 'capability')) return undefined;
    throw error;
  }
  const started = performance.now();
  const labels = model.classes.slice(0, maxClasses).map((_, c) => c);
  const result = await miFace(network, labels, resolveParams('mi-face', MI_FACE_PARAMS, {}), { progress });
  network.dispose();
  const cols = result.images.cols;
  const identified = members ? identifyByCorrelation(result.images, members.features, members.labels) : undefined;
  const png = (pixels: Float64Array) => encodePng({ ...shape, pixels }).toString('base64');
  const images = labels.map((label, i): FaceImage => {
    const pixels = result.images.data.slice(i * cols, (i + 1) * cols);
    return {
      label,
      class: model.classes[label],
      confidence: result.confidences[i],
      identifiedAs: identified ? (identified[i] >= 0 ? model.classes[identified[i]] : null) : null,
      png: png(stretch(pixels)),
      nearestPng: members ? nearestMember(pixels, members, png) : undefined,
    };
  });
  const recognised = identified ? labels.filter((label, i) => identified[i] === label).length : undefined;
  return { ...shape, images, recognised, references: members?.features.rows, seconds: (performance.now() - started) / 1000 };
}

/** Min–max contrast stretch (a flat image stays as it is). */
function stretch(pixels: Float64Array): Float64Array {
  let low = Infinity;
  let high = -Infinity;
  for (const value of pixels) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return high > low ? pixels.map((value) => (value - low) / (high - low)) : pixels;
}

/** The member image most correlated with `pixels`, as a PNG. */
function nearestMember(pixels: Float64Array, members: ClassificationDataset, png: (pixels: Float64Array) => string): string | undefined {
  const one = { rows: 1, cols: pixels.length, data: pixels };
  const indices = Int32Array.from({ length: members.features.rows }, (_, i) => i);
  const best = identifyByCorrelation(one, members.features, indices)[0];
  if (best < 0) return undefined;
  return png(members.features.data.slice(best * pixels.length, (best + 1) * pixels.length));
}
