/** `threatlab train`: train a model on a known data set or a CSV file, report accuracy, save it. */

import { existsSync } from 'node:fs';
import { subsetRows, type Dataset } from '../../data/dataset.ts';
import { DATASETS, loadDataset } from '../../data/datasets/registry.ts';
import { defaultSplit } from '../../data/split.ts';
import { loadUserCsv } from '../../data/user-data.ts';
import { ThreatlabError } from '../../errors.ts';
import { parseParamPairs } from '../../models/params.ts';
import { saveLayersModel } from '../../models/neural/layers-format.ts';
import { privacyLine, privacyOf } from '../../defenses/dp-sgd/params.ts';
import type { DpSgdRecord } from '../../defenses/dp-sgd/private-training.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { createTrainer, missingValuesRefusal, saveModelFile } from '../../models/registry.ts';
import type { Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { fileSha256, trainingSplitRngs } from '../../models/provenance.ts';
import { score } from '../../metrics/score.ts';
import { asUsage, printResult, refuseOutOverInput, type CliIo, type CommonOptions } from '../io.ts';
import { dirname, resolve } from 'node:path';
import { checkMaliciousOptions, maliciousLine, trainMaliciously, type MaliciousReport } from './train-malicious.ts';

/** Options of `threatlab train`. */
export interface TrainOptions extends CommonOptions {
  dataset: string;
  target?: string;
  model: string;
  param: string[];
  out: string;
  seed: number;
  testFraction: number;
  tfjsOut?: string;
  /** A malicious training algorithm (Song et al. 2017): lsb, correlation, sign or capacity. */
  malicious?: string;
  maliciousParam?: string[];
  secretOut?: string;
  passphrase?: string;
}

/** What `train` reports. */
export interface TrainReport {
  dataset: string;
  model: string;
  params: Record<string, unknown>;
  seed: number;
  rows: { train: number; test: number };
  metric: 'accuracy' | 'rmse';
  train: number;
  test: number;
  seconds: number;
  out: string;
  /** What the malicious algorithm hid, when one ran. */
  malicious?: MaliciousReport;
  /** The (ε, δ) a DP-SGD training spent. */
  privacy?: DpSgdRecord;
  /** Things the user should know: a model no better than always answering the commonest class. */
  warnings: string[];
}

/** A warning when a classifier's training accuracy is no better than answering the commonest class. */
export function majorityWarning(trainAccuracy: number, labels: Int32Array, classes: readonly string[]): string | undefined {
  const counts = new Array<number>(classes.length).fill(0);
  for (const label of labels) counts[label]++;
  const majority = Math.max(...counts) / Math.max(1, labels.length);
  if (trainAccuracy > majority + 0.005) return undefined;
  const commonest = classes[counts.indexOf(Math.max(...counts))];
  return `training accuracy ${trainAccuracy.toFixed(4)} is no better than always answering "${commonest}" (${majority.toFixed(4)}): the model learnt nothing; try more epochs, another learning rate, or standardize=true`;
}

/** The registry data set for a name and optional target (e.g. adult + race → adult-race), loaded once. */
function loadRegistryDataset(name: string, target: string | undefined): { name: string; dataset: Dataset } {
  const combined = `${name}-${target}`;
  const resolved = target && DATASETS.some((entry) => entry.name === combined) ? combined : name;
  const dataset = loadDataset(resolved);
  if (target && dataset.targetName !== target && resolved === name) {
    throw new ThreatlabError('validation', `data set "${name}" has the target "${dataset.targetName}", not "${target}"; drop --target or pick another data set`);
  }
  return { name: resolved, dataset };
}

function trainTestData(options: TrainOptions, task: 'classification' | 'regression', categorical: 'one-hot' | 'ordinal', rng: Rng, progress: Progress): { name: string; train: Dataset; test: Dataset; sha256?: string } {
  if (isUserCsv(options.dataset)) {
    if (!options.target) throw new ThreatlabError('usage', `training on ${options.dataset} needs --target COLUMN`);
    const parts = loadUserCsv(options.dataset, { target: options.target, task, testFraction: options.testFraction, rng, categorical, progress, refuseMissing: missingValuesRefusal(options.model) });
    return { name: options.dataset, ...parts, sha256: fileSha256(options.dataset) };
  }
  const { name, dataset } = loadRegistryDataset(options.dataset, options.target);
  const split = defaultSplit(dataset, options.testFraction, rng);
  return { name, train: subsetRows(dataset, split.train), test: subsetRows(dataset, split.test) };
}

/** Whether `--dataset` names a CSV file rather than a registry data set. */
export function isUserCsv(dataset: string): boolean {
  return /\.csv$/i.test(dataset) || existsSync(dataset);
}


/** Runs the command. */
export async function runTrain(io: CliIo, options: TrainOptions, progress: Progress): Promise<TrainReport> {
  const trainer = asUsage(() => createTrainer(options.model, parseParamPairs(options.param), progress));
  checkMaliciousOptions(options);
  if (!existsSync(dirname(resolve(options.out)))) throw new ThreatlabError('usage', `the folder of --out ${options.out} does not exist; create it first (nothing was trained)`);
  if (isUserCsv(options.dataset)) refuseOutOverInput(options.out, { '--dataset': options.dataset });
  if (options.tfjsOut && options.model !== 'mlp') {
    throw new ThreatlabError('usage', `--tfjs-out saves MLPs only; "${options.model}" has no tfjs LayersModel form`);
  }
  const rngs = trainingSplitRngs(options.seed);
  const { name, train, test, sha256 } = trainTestData(options, trainer.task, options.model === 'tree' ? 'ordinal' : 'one-hot', rngs.split, progress);
  const started = performance.now();
  const hidden = options.malicious ? await trainMaliciously(options, trainer, train, rngs.fit) : undefined;
  const model = hidden ? hidden.model : await trainer.fit(train, rngs.fit);
  const seconds = (performance.now() - started) / 1000;
  const target = model.task === 'classification' ? train.targetName : model.targetName;
  // Scored before anything is written: a command that fails leaves no model file behind.
  const scores = { train: score(model, train), test: test.features.rows > 0 ? score(model, test) : NaN };
  saveModelFile(model, options.out, { tool: 'threatlab train', dataset: name, sha256, target, seed: options.seed, testFraction: options.testFraction, rows: { train: train.features.rows, test: test.features.rows } });
  if (options.tfjsOut && model instanceof Mlp) await saveLayersModel(model, options.tfjsOut);
  const report: TrainReport = {
    dataset: name,
    model: options.model,
    params: { ...trainer.params },
    seed: options.seed,
    rows: { train: train.features.rows, test: test.features.rows },
    metric: model.task === 'classification' ? 'accuracy' : 'rmse',
    ...scores,
    seconds,
    out: options.out,
    warnings: [],
  };
  if (hidden) report.malicious = hidden.report;
  const privacy = privacyOf(model as { params?: Record<string, unknown> });
  if (privacy) report.privacy = privacy;
  if (model.task === 'classification' && train.task === 'classification') {
    const warning = majorityWarning(report.train, train.labels, train.classes);
    if (warning) report.warnings.push(warning);
  }
  printResult(io, options, report, () =>
    [
      `trained ${options.model} on ${name} (seed ${options.seed}) in ${seconds.toFixed(2)} s: ${report.rows.train} train / ${report.rows.test} test rows`,
      `${report.metric}: train ${report.train.toFixed(4)}, test ${report.test.toFixed(4)}`,
      ...report.warnings.map((warning) => `warning: ${warning}`),
      `saved to ${options.out}`,
      ...(report.malicious ? [maliciousLine(report.malicious)] : []),
      ...(privacy ? [privacyLine(privacy)] : []),
    ].join('\n'),
  );
  return report;
}
