/**
 * `threatlab property`: was this model trained on data with one share of a property or another —
 * e.g. 20% or 50% women (Ateniese et al. 2015; Ganju et al. 2018; Suri & Evans 2022)? Shadow
 * models copy the target's trainer on the attacker's own rows (`--population` or `--dataset`),
 * drawn with each share; the meta-classifier is fitted on three quarters of them and scored on the
 * rest (the measured accuracy the guess deserves), then refitted on all and applied to the target.
 */

import { fitPropertyAttack, PROPERTY_ATTACKS, trainShadows, type PropertyAttackName } from '../../attacks/property/meta-classifier.ts';
import { scoreAttack } from '../../attacks/property/evaluate.ts';
import { parseProperty } from '../../attacks/property/property.ts';
import type { ClassificationDataset } from '../../data/dataset.ts';
import { ThreatlabError } from '../../errors.ts';
import { labelledRowsForModel } from '../labelled-rows.ts';
import { parseParamPairs } from '../../models/params.ts';
import { trainerParamsOf } from '../../models/registry.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import { openTraining, trainingLine } from '../../cluster/open-training.ts';
import type { Progress } from '../../progress.ts';
import { asUsage, printResult, type CliIo, type CommonOptions } from '../io.ts';
import { loadTarget, type TargetOptions } from '../target.ts';

/** Options of `threatlab property`. */
export interface PropertyOptions extends CommonOptions, TargetOptions {
  /** Train the shadow models on `threatlab worker` processes behind this Redis. */
  redis?: string;
  attack: string;
  property: string;
  population?: string;
  dataset?: string;
  target?: string;
  trainSize: number;
  shadows: number;
  probes: number;
  shadowParam: string[];
  seed: number;
}

/** What `property` reports. */
export interface PropertyReport {
  attack: PropertyAttackName;
  property: string;
  guess: { share: number; probability: number };
  /** The meta-classifier's accuracy on shadow models held out from its fit. */
  heldOut: { shadows: number; accuracy: number; interval: [number, number] };
  shadows: number;
  queries: number;
  cost: number;
  seconds: number;
}

function attackerRows(options: PropertyOptions, oracle: CountingOracle, progress: Progress): ClassificationDataset {
  const source = options.population ?? options.dataset;
  if (!source) throw new ThreatlabError('usage', 'property inference needs the attacker\'s own rows to train shadow models on: --population FILE.csv (the model\'s features and the label) or --dataset NAME');
  return labelledRowsForModel(source, oracle.info, options.target, progress);
}

/** Runs the command. */
export async function runProperty(io: CliIo, options: PropertyOptions, progress: Progress): Promise<PropertyReport> {
  if (!(PROPERTY_ATTACKS as readonly string[]).includes(options.attack)) throw new ThreatlabError('usage', `--attack: "${options.attack}"; known: ${PROPERTY_ATTACKS.join(', ')}`);
  const attack = options.attack as PropertyAttackName;
  const spec = asUsage(() => parseProperty(options.property));
  if (options.shadows < 4) throw new ThreatlabError('usage', '--shadows: at least 4 per share (a quarter are held out to measure the attack)');
  const loaded = await loadTarget(options);
  const oracle = new CountingOracle(loaded.oracle);
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', 'property inference here reads classifiers');
  if (attack === 'parameters' && !loaded.model) throw new ThreatlabError('capability', 'the parameters attack reads the model file; against a served model use --attack outputs or loss-test');
  if (oracle.info.kind === 'unknown') throw new ThreatlabError('capability', 'shadow models copy the target\'s kind, which this target does not say (declare "kind" in the --schema description)');
  const pool = attackerRows(options, oracle, progress);
  const trainer = { kind: oracle.info.kind, params: loaded.model ? { ...trainerParamsOf(loaded.model), ...parseParamPairs(options.shadowParam) } : parseParamPairs(options.shadowParam) };
  const problem = { spec, pool, trainer, trainSize: options.trainSize };
  const started = performance.now();
  const workers = await openTraining(options.redis);
  try {
    const shadows = await trainShadows(problem, options.shadows, options.seed, workers, progress);
    const cut = 2 * Math.floor((options.shadows * 3) / 4);
    const fitOptions = { probes: options.probes, seed: options.seed + 1, policy: oracle.info.policy };
    const heldOut = await scoreAttack(await fitPropertyAttack(attack, problem, shadows.slice(0, cut), fitOptions), shadows.slice(cut), oracle.info.policy);
    const fitted = await fitPropertyAttack(attack, problem, shadows, fitOptions);
    const guess = await fitted.guess({ oracle, model: loaded.model });
    const report: PropertyReport = {
      attack,
      property: options.property,
      guess: { share: spec.shares[guess.share], probability: guess.probability },
      heldOut: { shadows: shadows.length - cut, accuracy: heldOut.accuracy, interval: heldOut.interval },
      shadows: options.shadows,
      queries: oracle.queries,
      cost: oracle.cost,
      seconds: (performance.now() - started) / 1000,
    };
    printResult(io, options, report, () =>
      [
        `${attack}: the training data looks like ${spec.feature}=${spec.level} at ${report.guess.share} (of ${spec.shares.join(' or ')}), from ${2 * options.shadows} shadow models; ${report.queries} queries paid (cost ${report.cost.toFixed(4)})`,
        `measured on ${report.heldOut.shadows} shadow models held out from the fit: ${(report.heldOut.accuracy * 100).toFixed(0)}% right (95% interval ${report.heldOut.interval.map((v) => `${(v * 100).toFixed(0)}%`).join('–')}; 50% is guessing)`,
        `in plain words: ${report.heldOut.interval[0] > 0.5 ? `the model gives away the share of ${spec.level} in its training data` : 'this attack cannot tell the two shares apart on this model (its interval reaches 50%)'}.`,
      ].join('\n'),
    );
    return report;
  } finally {
    const line = trainingLine(workers);
    await workers.close();
    if (line) io.stderr(`${line}\n`);
  }
}
