/**
 * `threatlab invert`: model inversion (Fredrikson et al. 2014, 2015) against a model file or a
 * served model. `map` and `tree-white-box` recover a sensitive feature of every person in a data
 * set from their other features and their label; `mi-face` recovers an image per class.
 */

import { loadTarget } from '../target.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { differentiable } from '../../attacks/inversion/differentiable.ts';
import { mapInversion, measureErrorModel } from '../../attacks/inversion/map-estimator.ts';
import { miFace, MI_FACE_PARAMS } from '../../attacks/inversion/mi-face.ts';
import { miFaceBlackBox, MI_FACE_BLACK_BOX_PARAMS } from '../../attacks/inversion/mi-face-black-box.ts';
import { categoricalFeature, marginalPrior, trueLevels } from '../../attacks/inversion/sensitive.ts';
import { treeWhiteBoxInversion } from '../../attacks/inversion/tree-white-box.ts';
import type { AttributeInversionOutcome } from '../../attacks/inversion/types.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import type { Dataset } from '../../data/dataset.ts';
import { encodeForModel, labelColumn, loadUserRows } from '../../data/model-rows.ts';
import { isUserCsv } from './train.ts';
import { inversionInWords } from '../plain-words.ts';
import { encodePng } from '../../data/loaders/image.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { baselineScores, inversionScore } from '../../metrics/inversion.ts';
import { parseParamPairs, resolveParams } from '../../models/params.ts';
import { DecisionTree } from '../../models/tree/decision-tree.ts';
import type { Model } from '../../models/types.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Progress } from '../../progress.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';

/** The inversion attacks of the CLI. */
export const INVERSION_ATTACKS = ['map', 'tree-white-box', 'mi-face'] as const;

/** Options of `threatlab invert`. */
export interface InvertOptions extends CommonOptions {
  attack: string;
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  dataset?: string;
  sensitive?: string;
  labels?: string;
  image?: string;
  /** The label column of a CSV given as --dataset (default: the one column that is not a feature). */
  target?: string;
  param: string[];
  out?: string;
}

/** `--labels 0,3` or class names: each a class index or name of the model, named when it is neither. */
function parseLabels(text: string, classes: readonly string[]): number[] {
  return text.split(',').map((raw) => {
    const label = raw.trim();
    const index = /^\d+$/.test(label) ? Number(label) : classes.indexOf(label);
    if (!(index >= 0 && index < classes.length)) throw new ThreatlabError('usage', `--labels: "${label}" is not a class of the model; give indices 0–${classes.length - 1} or names (${classes.slice(0, 10).join(', ')}${classes.length > 10 ? ', …' : ''})`);
    return index;
  });
}

/** A user's CSV of people (the model's raw features and the label), encoded with the model's own schema. */
function peopleFromCsv(path: string, oracle: CountingOracle, target: string | undefined): Dataset {
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', `inverting the people of ${path} needs a classifier; give a registry data set for a regression model`);
  const table = loadUserRows(path);
  const space = { schema: oracle.info.schema, classes: oracle.info.classes, allowMissing: oracle.info.partialRows };
  return encodeForModel(table, space, labelColumn(table, space, target));
}

async function invertAttribute(io: CliIo, options: InvertOptions, oracle: CountingOracle, model: Model | undefined): Promise<void> {
  if (!options.dataset || !options.sensitive) throw new ThreatlabError('usage', `--attack ${options.attack} needs --dataset NAME|FILE.csv (the people to invert) and --sensitive FEATURE`);
  const data = isUserCsv(options.dataset) ? peopleFromCsv(options.dataset, oracle, options.target) : loadDataset(options.dataset);
  if (data.features.cols !== oracle.info.inputSize) {
    throw new ValidationError('data set does not fit the model', [{ path: 'data', message: `${options.dataset} rows have ${data.features.cols} columns, the model takes ${oracle.info.inputSize}; use the data set the model was trained on` }]);
  }
  const sensitive = categoricalFeature(data.schema, options.sensitive);
  const prior = marginalPrior(data, sensitive);
  const observed = data.task === 'classification' ? data.labels : data.targets;
  let outcome: AttributeInversionOutcome;
  if (options.attack === 'tree-white-box') {
    if (!(model instanceof DecisionTree)) throw new ThreatlabError('capability', 'tree-white-box reads the training counts of a decision tree file: give --model tree.json (use --attack map for other models or a served one)');
    outcome = treeWhiteBoxInversion(model, { rows: data.features, observed, sensitive, prior });
  } else {
    const error = await measureErrorModel(oracle, data.features, observed);
    outcome = await mapInversion(oracle, { rows: data.features, observed, sensitive: { feature: sensitive, prior }, error });
  }
  const truth = trueLevels(data, sensitive);
  const positive = Math.max(0, sensitive.levels.findIndex((level) => /^yes$/i.test(level)));
  const score = inversionScore(outcome.guesses, truth, positive);
  const baselines = baselineScores(prior, truth, positive);
  const report = { attack: options.attack, inPlainWords: inversionInWords(score.accuracy, baselines.majority.accuracy, sensitive.name), data: options.dataset, sensitive: sensitive.name, positive: sensitive.levels[positive], queries: oracle.queries, score, baselines, guesses: outcome.guesses.map((g) => sensitive.levels[g]) };
  const pct = (value: number): string => (Number.isNaN(value) ? '—' : `${(100 * value).toFixed(1)}%`);
  printResult(io, options, report, () =>
    [
      `${options.attack} inversion of "${sensitive.name}" for ${score.targets} people of ${options.dataset} (${oracle.queries} queries)`,
      `accuracy ${pct(score.accuracy)} (always the majority value: ${pct(baselines.majority.accuracy)}; guessing by the prior: ${pct(baselines.prior.accuracy)})`,
      `"${sensitive.levels[positive]}": precision ${pct(score.precision)}, recall ${pct(score.recall)} (${score.guessedPositive} guessed)`,
      inversionInWords(score.accuracy, baselines.majority.accuracy, sensitive.name),
    ].join('\n'),
  );
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

async function invertFaces(io: CliIo, options: InvertOptions, oracle: CountingOracle, model: Model | undefined, progress: Progress): Promise<void> {
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
  const report = { attack: 'mi-face', whiteBox: Boolean(model), queries: oracle.queries, seconds, faces: labels.map((label, i) => ({ label, class: oracle.info.classes[label], confidence: confidences[i], file: files[i] ?? null })) };
  printResult(io, options, report, () =>
    [
      `MI-Face (${model ? 'white-box gradients' : `black-box, ${oracle.queries} queries`}): ${labels.length} classes in ${seconds.toFixed(1)} s`,
      ...labels.map((label, i) => `  ${oracle.info.classes[label]}: confidence ${confidences[i].toFixed(4)}${files[i] ? ` → ${files[i]}` : ''}`),
    ].join('\n'),
  );
}

/** Runs the command. */
export async function runInvert(io: CliIo, options: InvertOptions, progress: Progress): Promise<void> {
  if (!(INVERSION_ATTACKS as readonly string[]).includes(options.attack)) {
    throw new ThreatlabError('usage', `unknown inversion attack: "${options.attack}"; known: ${INVERSION_ATTACKS.join(', ')}`);
  }
  const { oracle, model } = await loadTarget(options);
  const counted = new CountingOracle(oracle);
  if (options.attack === 'mi-face') await invertFaces(io, options, counted, model, progress);
  else await invertAttribute(io, options, counted, model);
}
