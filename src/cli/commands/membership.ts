/**
 * `threatlab membership`: audit a model for membership leakage. The members are the training
 * split `threatlab train` used (same data set, seed and test fraction); half of the held-out
 * rows are the non-members judged, the other half the attacker's population for shadow models.
 */

import { loadTarget } from '../target.ts';
import { MEMBERSHIP_ATTACKS } from '../../attacks/membership/index.ts';
import { runMembership } from '../../attacks/membership/runner.ts';
import { concatRows, subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { defaultSplit } from '../../data/split.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { parseParamPairs } from '../../models/params.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab membership`. */
export interface MembershipOptions extends CommonOptions {
  attack: string;
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  dataset: string;
  seed: number;
  testFraction: number;
  shadows?: number;
  param: string[];
  shadowParam: string[];
  budget?: number;
}

/** Runs the command. */
export async function runMembershipCommand(io: CliIo, options: MembershipOptions, progress: Progress): Promise<void> {
  const attack = MEMBERSHIP_ATTACKS[options.attack];
  if (!attack) throw new ValidationError('unknown membership attack', [{ path: 'attack', message: `"${options.attack}"; known: ${Object.keys(MEMBERSHIP_ATTACKS).join(', ')}` }]);
  const { oracle, model } = await loadTarget(options);
  // Shadow models copy the target's recipe: a model file carries its parameters; a served model only its kind.
  const kind = oracle.info.kind;
  const params = (model as { params?: Record<string, unknown> } | undefined)?.params ?? {};
  const data = loadDataset(options.dataset);
  if (data.task !== 'classification') throw new ThreatlabError('capability', `membership attacks judge classifiers; ${options.dataset} is a regression data set`);
  if (data.features.cols !== oracle.info.inputSize) {
    throw new ValidationError('data set does not fit the model', [{ path: 'dataset', message: `${options.dataset} rows have ${data.features.cols} columns, the model takes ${oracle.info.inputSize}; use the data set the model was trained on` }]);
  }
  const split = defaultSplit(data, options.testFraction, new Rng(options.seed));
  const heldOut = new Rng(options.seed + 1).shuffle(Array.from(split.test));
  const half = Math.floor(heldOut.length / 2);
  const nonMembers = subsetRows(data, heldOut.slice(0, half));
  const population = subsetRows(data, heldOut.slice(half));
  const members = subsetRows(data, new Rng(options.seed + 2).shuffle(Array.from(split.train)).slice(0, half)) as ClassificationDataset;
  const shadowParams = { ...params, ...parseParamPairs(options.shadowParam) };
  const attackParams: Record<string, unknown> = parseParamPairs(options.param);
  if (options.shadows !== undefined) attackParams[options.attack === 'rmia' ? 'references' : 'shadows'] = options.shadows;
  const record = await runMembership(
    attack,
    oracle,
    { candidates: concatRows(members, nonMembers as ClassificationDataset), population: population as ClassificationDataset, trainer: { kind, params: shadowParams }, trainSize: split.train.length },
    { params: attackParams, seed: options.seed, budget: options.budget, members: [...new Array<boolean>(half).fill(true), ...new Array<boolean>(half).fill(false)], progress },
  );
  const metrics = record.outcome?.metrics;
  const pct = (value: number): string => `${(100 * value).toFixed(2)}%`;
  printResult(io, options, record, () =>
    [
      `${record.attack} against a ${kind} model (${record.status}): ${half} members and ${half} non-members of ${options.dataset}`,
      `paid ${record.queries} queries; trained ${record.outcome?.models ?? 0} shadow/reference models; ${record.seconds.toFixed(1)} s`,
      metrics
        ? `AUC ${metrics.auc.toFixed(4)}; ${metrics.tprAtFpr.map((t) => `TPR ${pct(t.tpr)} at FPR ${pct(t.fpr)} (reached ${pct(t.fprReached)})`).join('; ')}`
        : 'no metrics (the run stopped early)',
      metrics ? `membership advantage ${metrics.advantage.toFixed(4)}, balanced accuracy ${pct(metrics.balancedAccuracy)}` : '',
    ].filter(Boolean).join('\n'),
  );
}
