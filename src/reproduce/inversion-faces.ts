/**
 * Face rows of `threatlab reproduce inversion`: MI-Face (Fredrikson et al. CCS 2015, §5.2) on
 * AT&T faces models trained on the seeded 7 images per person, against softmax, an MLP, and a
 * DAE network (a denoising autoencoder's encoder with a softmax on its code, inverted with
 * Process-DAE). Instead of the paper's human raters, each reconstruction is identified by an
 * independent classifier fitted on the 3 held-out images per person, which the model never saw
 * (nearest neighbour by correlation; also a softmax), and compared by SSIM with the person's
 * training images. The black-box rows estimate gradients through the oracle, with confidences
 * rounded as the paper's countermeasure, and invert a surrogate extracted by chosen queries.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { ATT_HEIGHT, ATT_WIDTH } from '../data/datasets/images.ts';
import { imageGrid } from '../data/loaders/image-grid.ts';
import { encodePng, type GreyImage } from '../data/loaders/image.ts';
import { runAttack } from '../attacks/runner.ts';
import { chosenQueries } from '../attacks/extraction/chosen-queries.ts';
import { differentiable, tensorLayer, disposeLayers } from '../attacks/inversion/differentiable.ts';
import { miFace, MI_FACE_PARAMS, type DenoisingPrior } from '../attacks/inversion/mi-face.ts';
import { miFaceBlackBox, MI_FACE_BLACK_BOX_PARAMS } from '../attacks/inversion/mi-face-black-box.ts';
import { RoundingOracle } from '../defenses/rounding.ts';
import { transpose } from '../math/linalg.ts';
import { createMatrix, type Matrix } from '../math/matrix.ts';
import { identifyByCorrelation, ssim } from '../metrics/similarity.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { trainDenoisingAutoencoder } from '../models/neural/autoencoder.ts';
import { Mlp, MlpTrainer } from '../models/neural/mlp.ts';
import type { DenseLayer } from '../models/neural/dense-network.ts';
import { resolveParams } from '../models/params.ts';
import type { Classifier } from '../models/types.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import type { InversionRow } from './inversion-surveys.ts';

interface Faces {
  train: ClassificationDataset;
  heldOut: ClassificationDataset;
  evaluator: Classifier;
}

interface Evaluation {
  identifiedNearest: number;
  identifiedSoftmax: number;
  meanSsim: number;
}

const PIXELS = ATT_WIDTH * ATT_HEIGHT;

function evaluate(faces: Faces, labels: readonly number[], images: Matrix): Evaluation {
  const nearest = identifyByCorrelation(images, faces.heldOut.features, faces.heldOut.labels);
  const softmax = faces.evaluator.predict(images);
  let total = 0;
  let pairs = 0;
  labels.forEach((label, i) => {
    const image = images.data.subarray(i * PIXELS, (i + 1) * PIXELS);
    for (let r = 0; r < faces.train.features.rows; r++) {
      if (faces.train.labels[r] !== label) continue;
      total += ssim(image, faces.train.features.data.subarray(r * PIXELS, (r + 1) * PIXELS), ATT_WIDTH, ATT_HEIGHT);
      pairs += 1;
    }
  });
  const hits = (guesses: Int32Array): number => labels.filter((label, i) => guesses[i] === label).length / labels.length;
  return { identifiedNearest: hits(nearest), identifiedSoftmax: hits(softmax), meanSsim: total / pairs };
}

/** A training image beside each reconstruction, 8 columns (4 people) per grid row. */
function writeGrid(faces: Faces, labels: readonly number[], images: Matrix, path: string): void {
  const tiles: GreyImage[] = [];
  labels.forEach((label, i) => {
    const r = Array.from(faces.train.labels).indexOf(label);
    tiles.push({ width: ATT_WIDTH, height: ATT_HEIGHT, pixels: faces.train.features.data.slice(r * PIXELS, (r + 1) * PIXELS) });
    tiles.push({ width: ATT_WIDTH, height: ATT_HEIGHT, pixels: images.data.slice(i * PIXELS, (i + 1) * PIXELS) });
  });
  writeFileSync(path, encodePng(imageGrid(tiles, 8)));
}

/** The DAE network: the autoencoder's encoder, then a softmax on the code. */
async function daeNetwork(train: ClassificationDataset, seed: number, progress: Progress): Promise<{ model: Mlp; encoder: DenseLayer[]; decoder: DenseLayer[] }> {
  // A sigmoid code of this size saturated to a constant in our runs (every face → the mean face);
  // relu codes keep the faces apart (the DAE network classifies held-out faces at ~0.9).
  const autoencoder = await trainDenoisingAutoencoder(train.features, { hidden: '256', activation: 'relu', epochs: 40, noise: 0.1 }, new Rng(seed), progress);
  const half = Math.ceil(autoencoder.layers.length / 2);
  const encoder = autoencoder.layers.slice(0, half) as DenseLayer[];
  const decoder = autoencoder.layers.slice(half) as DenseLayer[];
  const codes = autoencoder.encode(train.features);
  const head = await new LinearClassifierTrainer('softmax', { standardizeUnitInputs: true }).fit({ ...train, features: codes, schema: { features: [] }, image: undefined }, new Rng(seed));
  const { rows: scores, cols: width } = head.weights;
  const headLayer: DenseLayer = { inputs: width, outputs: scores, weights: transpose(head.weights).data, biases: Float64Array.from(head.biases), activation: 'softmax' };
  const model = new Mlp({ classes: train.classes, schema: train.schema, layers: [...encoder, headLayer], params: { network: 'denoising autoencoder encoder + softmax' } });
  return { model, encoder, decoder };
}

/** Runs white-box MI-Face for one target and returns its row. */
async function whiteBoxRow(
  name: string,
  paperSeconds: number,
  target: Classifier,
  faces: Faces,
  labels: number[],
  outDir: string | undefined,
  files: string[],
  prior?: { encoder: DenseLayer[]; decoder: DenseLayer[] },
  params: Record<string, unknown> = {},
): Promise<InversionRow> {
  const network = await differentiable(target);
  // Descend in code space through the decoder. Re-encoding every step (z ← E(D(z)), `denoise`)
  // stalled in our runs: E∘D is a contraction that undoes each step (confidence 0.12 after 150 steps).
  const tensors: DenoisingPrior | undefined = prior && { encoder: prior.encoder.map(tensorLayer), decoder: prior.decoder.map(tensorLayer), denoise: false };
  const started = performance.now();
  const result = await miFace(network, labels, resolveParams('mi-face', MI_FACE_PARAMS, params), { prior: tensors });
  const seconds = (performance.now() - started) / 1000;
  network.dispose();
  if (tensors) disposeLayers([...tensors.encoder, ...tensors.decoder]);
  if (outDir) {
    const path = join(outDir, `faces-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
    writeGrid(faces, labels, result.images, path);
    files.push(path);
  }
  const meanConfidence = result.confidences.reduce((a, b) => a + b, 0) / labels.length;
  return {
    name: `faces: MI-Face, ${name}`,
    paper: { secondsPerFace: paperSeconds },
    ours: { faces: labels.length, secondsPerFace: seconds / labels.length, meanConfidence, meanIterations: result.iterations.reduce((a, b) => a + b, 0) / labels.length, ...evaluate(faces, labels, result.images) },
  };
}

/** Black-box MI-Face on the softmax through a (possibly rounded) scores oracle. */
async function blackBoxRow(target: Classifier, faces: Faces, labels: number[], step: number | undefined, iterations: number): Promise<InversionRow> {
  const params = resolveParams('mi-face-black-box', MI_FACE_BLACK_BOX_PARAMS, { maxIterations: iterations });
  const base = new LocalOracle(target);
  const oracle = new CountingOracle(step === undefined ? base : new RoundingOracle(base, step));
  const images = createMatrix(labels.length, PIXELS);
  const started = performance.now();
  let confidence = 0;
  for (const [i, label] of labels.entries()) {
    const result = await miFaceBlackBox(oracle, label, { width: ATT_WIDTH, height: ATT_HEIGHT }, params);
    images.data.set(result.image, i * PIXELS);
    confidence += result.confidence / labels.length;
  }
  return {
    name: `faces: black-box MI-Face on softmax, ${step === undefined ? 'full confidences' : `confidences rounded to ${step}`}`,
    paper: step === undefined ? { finding: 'faces from queries alone (numeric gradients)' } : { finding: 'rounding degrades MI-Face (§7)' },
    ours: { faces: labels.length, queriesPerFace: oracle.queries / labels.length, secondsPerFace: (performance.now() - started) / 1000 / labels.length, meanConfidence: confidence, ...evaluate(faces, labels, images) },
    note:
      `gradients by finite differences over ${MI_FACE_BLACK_BOX_PARAMS.block.default}×${MI_FACE_BLACK_BOX_PARAMS.block.default}-pixel blocks, ${iterations} steps at most` +
      (step === undefined ? '' : '; from the blank image every target confidence rounds to 0, so no difference is seen'),
  };
}

/** The face rows; grids go to `outDir` when given. */
export async function faceInversionRows(options: { quick: boolean; seed: number; outDir?: string; blackBox?: boolean; progress?: Progress }): Promise<{ rows: InversionRow[]; files: string[] }> {
  if (!isAvailable(findDataset('att-faces'))) return { rows: [{ name: 'faces: MI-Face', paper: {}, note: 'skipped: data set att-faces not found (restore data/ or set THREATLAB_DATA)' }], files: [] };
  const { quick, seed, outDir } = options;
  const progress = options.progress ?? silentProgress;
  if (outDir) mkdirSync(outDir, { recursive: true });
  const data = loadDataset('att-faces') as ClassificationDataset;
  const train = subsetRows(data, data.split!.train);
  const heldOut = subsetRows(data, data.split!.test);
  const evaluator = await new LinearClassifierTrainer('softmax', { standardizeUnitInputs: true }).fit(heldOut, new Rng(seed + 1));
  const faces: Faces = { train, heldOut, evaluator };
  const labels = Array.from({ length: quick ? 8 : data.classes.length }, (_, i) => i);
  const files: string[] = [];
  const softmax = await new LinearClassifierTrainer('softmax', { standardizeUnitInputs: true }).fit(train, new Rng(seed));
  const rows = [await whiteBoxRow('softmax', 1.4, softmax, faces, labels, outDir, files)];
  if (!quick) {
    const mlp = await new MlpTrainer({ hidden: '256', activation: 'sigmoid', epochs: 120, batchSize: 32, validationFraction: 0, standardize: false }).fit(train, new Rng(seed));
    rows.push(await whiteBoxRow('MLP (256 sigmoid)', 1298.7, mlp, faces, labels, outDir, files));
    const dae = await daeNetwork(train, seed, progress);
    // λ = 1: a step in code units (relu activations), not pixels.
    const daeRow = await whiteBoxRow('DAE network, descent in its code space', 692.5, dae.model, faces, labels, outDir, files, dae, { step: 1 });
    daeRow.note = 'λ = 1 in code units; the image is the decoding D(z)';
    rows.push(daeRow);
    const stolen = await runAttack(chosenQueries, new LocalOracle(softmax), { seed });
    const surrogateRow = await whiteBoxRow('softmax surrogate stolen by chosen queries', 1.4, stolen.outcome!.surrogate, faces, labels, outDir, files);
    surrogateRow.ours = { ...surrogateRow.ours, extractionQueries: stolen.queries };
    rows.push(surrogateRow);
  }
  if (options.blackBox === false) return { rows, files };
  const blackBoxLabels = labels.slice(0, quick ? 2 : 5);
  const iterations = quick ? 20 : 100;
  rows.push(await blackBoxRow(softmax, faces, blackBoxLabels, undefined, iterations));
  for (const step of quick ? [0.05] : [0.001, 0.005, 0.01, 0.05]) rows.push(await blackBoxRow(softmax, faces, blackBoxLabels, step, iterations));
  return { rows, files };
}
