/**
 * `threatlab invert`: model inversion (Fredrikson et al. 2014, 2015) against a model file or a
 * served model. `map` and `tree-white-box` recover a sensitive feature of every person in a data
 * set from their other features and their label; `mi-face` recovers an image per class.
 */

import { loadTarget } from '../target.ts';
import { mapInversion, measureErrorModel } from '../../attacks/inversion/map-estimator.ts';
import { categoricalFeature, marginalPrior, trueLevels } from '../../attacks/inversion/sensitive.ts';
import { treeWhiteBoxInversion } from '../../attacks/inversion/tree-white-box.ts';
import type { AttributeInversionOutcome } from '../../attacks/inversion/types.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import type { Dataset } from '../../data/dataset.ts';
import { encodeForModel, labelColumn, loadUserRows } from '../../data/model-rows.ts';
import { isUserCsv } from './train.ts';
import { invertFaces } from './invert-faces.ts';
import { inversionInWords } from '../plain-words.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { baselineScores, inversionScore } from '../../metrics/inversion.ts';
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

/** A user's CSV of people (the model's raw features and the label), encoded with the model's own schema. */
function peopleFromCsv(path: string, oracle: CountingOracle, target: string | undefined, progress: Progress): Dataset {
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', `inverting the people of ${path} needs a classifier; give a registry data set for a regression model`);
  const table = loadUserRows(path, progress);
  const space = { schema: oracle.info.schema, classes: oracle.info.classes, allowMissing: oracle.info.partialRows };
  return encodeForModel(table, space, labelColumn(table, space, target));
}

async function invertAttribute(io: CliIo, options: InvertOptions, oracle: CountingOracle, model: Model | undefined, progress: Progress): Promise<void> {
  if (!options.dataset || !options.sensitive) throw new ThreatlabError('usage', `--attack ${options.attack} needs --dataset NAME|FILE.csv (the people to invert) and --sensitive FEATURE`);
  const data = isUserCsv(options.dataset) ? peopleFromCsv(options.dataset, oracle, options.target, progress) : loadDataset(options.dataset);
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

/** Runs the command. */
export async function runInvert(io: CliIo, options: InvertOptions, progress: Progress): Promise<void> {
  if (!(INVERSION_ATTACKS as readonly string[]).includes(options.attack)) {
    throw new ThreatlabError('usage', `unknown inversion attack: "${options.attack}"; known: ${INVERSION_ATTACKS.join(', ')}`);
  }
  const { oracle, model } = await loadTarget(options);
  const counted = new CountingOracle(oracle);
  if (options.attack === 'mi-face') await invertFaces(io, options, counted, model, progress);
  else await invertAttribute(io, options, counted, model, progress);
}
