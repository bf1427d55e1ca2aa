/**
 * The synthetic data sets of Tramèr et al. 2016 (Table 3), generated the way scikit-learn's
 * `make_circles`, `make_moons`, `make_blobs` and `make_classification` generate them, seeded:
 * circles and moons (5,000 × 2, 2 classes), blobs (5,000 × 2, 3 classes), 5-class
 * (1,000 × 20, 5 classes). The paper does not give the noise levels; ours are stated per set.
 */

import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { DEFAULT_SEED, Rng } from '../../random.ts';
import { classificationDataset, type ClassificationDataset } from '../dataset.ts';
import type { FeatureSchema } from '../schema.ts';

function numericSchema(features: Matrix): FeatureSchema {
  const min = new Float64Array(features.cols).fill(Infinity);
  const max = new Float64Array(features.cols).fill(-Infinity);
  for (let i = 0; i < features.rows; i++) {
    for (let j = 0; j < features.cols; j++) {
      const value = features.data[i * features.cols + j];
      min[j] = Math.min(min[j], value);
      max[j] = Math.max(max[j], value);
    }
  }
  return { features: Array.from(min, (low, j) => ({ kind: 'numeric' as const, name: `x${j}`, min: low, max: max[j] })) };
}

function build(name: string, features: Matrix, labels: Int32Array, classes: number): ClassificationDataset {
  return classificationDataset({
    name,
    features,
    schema: numericSchema(features),
    labels,
    classes: Array.from({ length: classes }, (_, c) => String(c)),
    targetName: 'class',
  });
}

function positiveCount(value: number, path: string): void {
  if (!Number.isInteger(value) || value < 2) {
    throw new ValidationError('invalid generator options', [{ path, message: `${value} must be an integer ≥ 2` }]);
  }
}

/** Two concentric circles (inner radius `factor`), Gaussian noise of std `noise`. */
export function makeCircles(samples = 5000, options: { noise?: number; factor?: number; seed?: number } = {}): ClassificationDataset {
  positiveCount(samples, 'samples');
  const rng = new Rng(options.seed ?? DEFAULT_SEED);
  const noise = options.noise ?? 0.1;
  const factor = options.factor ?? 0.5;
  const outer = Math.floor(samples / 2);
  const features = createMatrix(samples, 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const inner = i >= outer;
    const count = inner ? samples - outer : outer;
    const angle = (2 * Math.PI * (inner ? i - outer : i)) / count;
    const radius = inner ? factor : 1;
    features.data[2 * i] = radius * Math.cos(angle) + rng.normal(0, noise);
    features.data[2 * i + 1] = radius * Math.sin(angle) + rng.normal(0, noise);
    labels[i] = inner ? 1 : 0;
  }
  return build('circles', features, labels, 2);
}

/** Two interleaving half circles, Gaussian noise of std `noise`. */
export function makeMoons(samples = 5000, options: { noise?: number; seed?: number } = {}): ClassificationDataset {
  positiveCount(samples, 'samples');
  const rng = new Rng(options.seed ?? DEFAULT_SEED);
  const noise = options.noise ?? 0.1;
  const upper = Math.floor(samples / 2);
  const features = createMatrix(samples, 2);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const lower = i >= upper;
    const count = lower ? samples - upper : upper;
    const t = (Math.PI * (lower ? i - upper : i)) / Math.max(1, count - 1);
    const x = lower ? 1 - Math.cos(t) : Math.cos(t);
    const y = lower ? 0.5 - Math.sin(t) : Math.sin(t);
    features.data[2 * i] = x + rng.normal(0, noise);
    features.data[2 * i + 1] = y + rng.normal(0, noise);
    labels[i] = lower ? 1 : 0;
  }
  return build('moons', features, labels, 2);
}

/** Isotropic Gaussian blobs around centres drawn uniformly in [-10, 10]^d. */
export function makeBlobs(
  samples = 5000,
  options: { centers?: number; features?: number; std?: number; seed?: number } = {},
): ClassificationDataset {
  positiveCount(samples, 'samples');
  const rng = new Rng(options.seed ?? DEFAULT_SEED);
  const centers = options.centers ?? 3;
  const dims = options.features ?? 2;
  const std = options.std ?? 1;
  const centre = Array.from({ length: centers }, () => Array.from({ length: dims }, () => rng.between(-10, 10)));
  const features = createMatrix(samples, dims);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const c = i % centers;
    labels[i] = c;
    for (let j = 0; j < dims; j++) features.data[i * dims + j] = centre[c][j] + rng.normal(0, std);
  }
  return build('blobs', features, labels, centers);
}

/** Options of `makeClassification` (scikit-learn's names, camel-cased). */
export interface ClassificationOptions {
  features?: number;
  informative?: number;
  redundant?: number;
  classes?: number;
  clustersPerClass?: number;
  classSep?: number;
  flipY?: number;
  seed?: number;
}

/**
 * scikit-learn's `make_classification`: Gaussian clusters on the vertices of a hypercube in
 * the informative subspace, each with a random covariance; redundant features are random
 * linear combinations of the informative ones; the rest is noise; a fraction `flipY` of labels
 * is reassigned at random. Defaults give the paper's 5-class set (1,000 × 20).
 */
export function makeClassification(samples = 1000, options: ClassificationOptions = {}): ClassificationDataset {
  positiveCount(samples, 'samples');
  const rng = new Rng(options.seed ?? DEFAULT_SEED);
  const dims = options.features ?? 20;
  const informative = options.informative ?? 5;
  const redundant = options.redundant ?? 2;
  const classes = options.classes ?? 5;
  const perClass = options.clustersPerClass ?? 2;
  const classSep = options.classSep ?? 1;
  const flipY = options.flipY ?? 0.01;
  const clusters = classes * perClass;
  if (informative + redundant > dims || clusters > 2 ** informative) {
    throw new ValidationError('invalid make-classification options', [
      { path: 'informative', message: `needs informative + redundant ≤ features and classes × clustersPerClass ≤ 2^informative` },
    ]);
  }
  const vertices = rng.permutation(2 ** informative).slice(0, clusters);
  const centroids = Array.from(vertices, (vertex) =>
    Array.from({ length: informative }, (_, j) => (((vertex >> j) & 1) * 2 - 1) * classSep),
  );
  const covariance = centroids.map(() => Array.from({ length: informative * informative }, () => rng.between(-1, 1)));
  const mixing = Array.from({ length: informative * redundant }, () => rng.between(-1, 1));
  const features = createMatrix(samples, dims);
  const labels = new Int32Array(samples);
  const z = new Float64Array(informative);
  for (let i = 0; i < samples; i++) {
    const cluster = i % clusters;
    labels[i] = cluster % classes;
    const row = i * dims;
    for (let j = 0; j < informative; j++) z[j] = rng.normal();
    for (let j = 0; j < informative; j++) {
      let value = centroids[cluster][j];
      for (let k = 0; k < informative; k++) value += z[k] * covariance[cluster][k * informative + j];
      features.data[row + j] = value;
    }
    for (let r = 0; r < redundant; r++) {
      let value = 0;
      for (let k = 0; k < informative; k++) value += features.data[row + k] * mixing[k * redundant + r];
      features.data[row + informative + r] = value;
    }
    for (let j = informative + redundant; j < dims; j++) features.data[row + j] = rng.normal();
    if (rng.uniform() < flipY) labels[i] = rng.int(classes);
  }
  return build('5-class', features, labels, classes);
}
