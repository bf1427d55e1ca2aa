/**
 * `threatlab invert --attack mi-face`: one reconstructed image per class (Fredrikson, Jha and
 * Ristenpart, CCS 2015). The model's confidence in an image says how sure it is, not whether the
 * image looks like the class — a softmax model is often sure of noise — so with `--dataset` each
 * image is matched against the data set's real images by an independent nearest-neighbour
 * identifier (the one that scores the faces reproduction), and the plain-words line says how many
 * are recognised.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentiable } from '../../attacks/inversion/differentiable.ts';
import { miFace, MI_FACE_PARAMS } from '../../attacks/inversion/mi-face.ts';
import { miFaceBlackBox, MI_FACE_BLACK_BOX_PARAMS } from '../../attacks/inversion/mi-face-black-box.ts';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { encodePng } from '../../data/loaders/image.ts';
import { encodeForModel, labelColumn, loadUserRows } from '../../data/model-rows.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import { identifyByCorrelation } from '../../metrics/similarity.ts';
import { parseParamPairs, resolveParams } from '../../models/params.ts';
import type { Model } from '../../models/types.ts';
import type { CountingOracle } from '../../oracle/decorators.ts';
import type { Progress } from '../../progress.ts';
import { printResult, type CliIo } from '../io.ts';
import { faceInversionInWords } from '../plain-words.ts';
import type { InvertOptions } from './invert.ts';
import { isUserCsv } from './train.ts';

/** `--labels 0,3` or class names: each a class index or name of the model, named when it is neither. */
export function parseLabels(text: string, classes: readonly string[]): number[] {
  return text.split(',').map((raw) => {
    const label = raw.trim();
    const index = /^\d+$/.test(label) ? Number(label) : classes.indexOf(label);
    if (!(index >= 0 && index < classes.length)) throw new ThreatlabError('usage', `--labels: "${label}" is not a class of the model; give indices 0–${classes.length - 1} or names (${classes.slice(0, 10).join(', ')}${classes.length > 10 ? ', …' : ''})`);
    return index;
  });
}

function imageShape(spec: string | undefined, inputSize: number): { width: number; height: number } {
  if (spec) {
    const match = /^(\d+)x(\d+)$/.exec(spec);
    if (!match || Number(match[1]) * Number(match[2]) !== inputSize) throw new ValidationError('invalid --image', [{ path: 'image', message: `"${spec}"; give WIDTHxHEIGHT with WIDTH·HEIGHT = ${inputSize}` }]);
    return { width: Number(match[1]), height: Number(match[2]) };
  }
  if (inputSize === 92 * 112) return { width: 92, height: 112 };
  const side = Math.round(Math.sqrt(inputSize));
  if (side * side !== inputSize) throw new ValidationError('image size unknown', [{ path: 'image', message: `${inputSize} inputs are not a square image; give --image WIDTHxHEIGHT` }]);
  return { width: side, height: side };
}

/** MI-Face: one image per class, white-box when the model is a file, black-box through queries otherwise. */
export async function invertFaces(io: CliIo, options: InvertOptions, oracle: CountingOracle, model: Model | undefined, progress: Progress): Promise<void> {
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', 'mi-face inverts a classifier; this model is a regressor');
  // A model file that cannot be differentiated fails here, before any image-size question.
  const network = model && model.task === 'classification' ? await differentiable(model) : undefined;
  const shape = imageShape(options.image, oracle.info.inputSize);
  const classes = oracle.info.classes.length;
  const labels = options.labels ? parseLabels(options.labels, oracle.info.classes) : Array.from({ length: classes }, (_, i) => i);
  const params = parseParamPairs(options.param);
  const started = performance.now();
  let images: Float64Array[];
  let confidences: number[];
  if (network) {
    const result = await miFace(network, labels, resolveParams('mi-face', MI_FACE_PARAMS, params, 'attack'), { progress });
    network.dispose();
    images = labels.map((_, i) => result.images.data.slice(i * result.images.cols, (i + 1) * result.images.cols));
    confidences = result.confidences;
  } else {
    const resolved = resolveParams('mi-face-black-box', MI_FACE_BLACK_BOX_PARAMS, params, 'attack');
    const results = [];
    for (const label of labels) results.push(await miFaceBlackBox(oracle, label, shape, resolved));
    images = results.map((result) => result.image);
    confidences = results.map((result) => result.confidence);
  }
  const seconds = (performance.now() - started) / 1000;
  const files: string[] = [];
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    labels.forEach((label, i) => {
      const path = join(options.out!, `class-${label}.png`);
      writeFileSync(path, encodePng({ ...shape, pixels: images[i] }));
      files.push(path);
    });
  }
  const references = options.dataset ? referenceImages(options, oracle, progress) : undefined;
  const identified = references ? identify(images, references) : undefined;
  const recognised = identified ? labels.filter((label, i) => identified[i] === label).length : undefined;
  const inPlainWords = faceInversionInWords(labels.length, oracle.info.classes.length, references ? { recognised: recognised!, references: references.features.rows, dataset: options.dataset! } : undefined);
  const report = {
    attack: 'mi-face',
    whiteBox: Boolean(model),
    queries: oracle.queries,
    seconds,
    inPlainWords,
    ...(references ? { identification: { dataset: options.dataset, references: references.features.rows, recognised } } : {}),
    faces: labels.map((label, i) => ({
      label,
      class: oracle.info.classes[label],
      confidence: confidences[i],
      ...(identified ? { identifiedAs: identified[i] >= 0 ? oracle.info.classes[identified[i]] : null } : {}),
      file: files[i] ?? null,
    })),
  };
  printResult(io, options, report, () =>
    [
      `MI-Face (${model ? 'white-box gradients' : `black-box, ${oracle.queries} queries`}): ${labels.length} classes in ${seconds.toFixed(1)} s`,
      ...labels.map((label, i) => {
        const match = identified ? `, looks most like ${identified[i] >= 0 ? `"${oracle.info.classes[identified[i]]}"` : 'nothing (a flat image)'}` : '';
        return `  ${oracle.info.classes[label]}: confidence ${confidences[i].toFixed(4)}${match}${files[i] ? ` → ${files[i]}` : ''}`;
      }),
      inPlainWords,
    ].join('\n'),
  );
}


/** Real images of the model's classes to recognise reconstructions by: a registry data set or a CSV in the model's features. */
function referenceImages(options: InvertOptions, oracle: CountingOracle, progress: Progress): ClassificationDataset {
  const name = options.dataset!;
  let data;
  if (isUserCsv(name)) {
    const table = loadUserRows(name, progress);
    const space = { schema: oracle.info.schema, classes: oracle.info.classes };
    data = encodeForModel(table, space, labelColumn(table, space, options.target));
  } else {
    data = loadDataset(name);
  }
  if (data.task !== 'classification') throw new ThreatlabError('capability', `${name} is a regression data set; mi-face recognises images of classes`);
  if (data.features.cols !== oracle.info.inputSize) {
    throw new ValidationError('data set does not fit the model', [{ path: 'dataset', message: `${name} images have ${data.features.cols} pixels, the model takes ${oracle.info.inputSize}; give the data set the model was trained on` }]);
  }
  // Labels in the model's class order, matched by name.
  const index = data.classes.map((name) => oracle.info.classes.indexOf(name));
  const missing = data.classes.filter((_, i) => index[i] < 0);
  if (missing.length > 0) throw new ValidationError('data set does not fit the model', [{ path: 'dataset', message: `${name} has classes the model does not (${missing.slice(0, 5).join(', ')}); give the data set the model was trained on` }]);
  return { ...data, classes: oracle.info.classes, labels: Int32Array.from(data.labels, (label) => index[label]) };
}

/** How each reconstruction is identified among the references: the class of its most correlated real image. */
function identify(images: Float64Array[], references: ClassificationDataset): Int32Array {
  const cols = references.features.cols;
  const stacked = createMatrix(images.length, cols);
  images.forEach((image, i) => stacked.data.set(image, i * cols));
  return identifyByCorrelation(stacked, references.features, references.labels);
}
