/**
 * `threatlab scrub`: what a data owner can do to a network it did not train itself before
 * publishing it (Song et al., CCS 2017, §7): zero (or randomise) the low mantissa bits of every
 * parameter — an LSB payload is gone — and optionally add Gaussian noise to the weights, which
 * blurs correlated-value and sign encodings at some cost in accuracy. With `--dataset` the
 * labels before and after are compared, so the cost is measured, not assumed.
 */

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { addWeightNoise, scrubLowBits } from '../../defenses/parameter-defenses.ts';
import { ThreatlabError } from '../../errors.ts';
import { labelledRowsForModel } from '../labelled-rows.ts';
import { accuracy } from '../../metrics/score.ts';
import { weightVector } from '../../models/parameter-arrays.ts';
import { loadModelFile, saveModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { printResult, refuseOutOverInput, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab scrub`. */
export interface ScrubOptions extends CommonOptions {
  model: string;
  out: string;
  bits: number;
  random?: boolean;
  noise?: number;
  dataset?: string;
  target?: string;
  seed: number;
}

/** What `scrub` reports. */
export interface ScrubReport {
  bits: number;
  filled: 'zeros' | 'random';
  noise: number;
  parameters: number;
  /** Largest change of a weight, relative to its size. */
  maxRelativeChange: number;
  check?: { rows: string; accuracyBefore: number; accuracyAfter: number; labelsChanged: number };
  out: string;
}

/** Runs the command. */
export async function runScrub(io: CliIo, options: ScrubOptions, progress: Progress): Promise<ScrubReport> {
  if (!existsSync(dirname(resolve(options.out)))) throw new ThreatlabError('usage', `the folder of --out ${options.out} does not exist; create it first`);
  refuseOutOverInput(options.out, { '--model': options.model });
  const model = loadModelFile(options.model);
  if (model.task !== 'classification') throw new ThreatlabError('capability', 'scrub checks a classifier\'s labels; this model is a regressor');
  const rng = new Rng(options.seed);
  let cleaned = scrubLowBits(model, options.bits, options.random ? rng : undefined) as Classifier;
  if (options.noise) cleaned = addWeightNoise(cleaned, options.noise, rng) as Classifier;
  const [before, after] = [weightVector(model), weightVector(cleaned)];
  let maxRelativeChange = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== 0) maxRelativeChange = Math.max(maxRelativeChange, Math.abs(after[i] - before[i]) / Math.abs(before[i]));
  const report: ScrubReport = { bits: options.bits, filled: options.random ? 'random' : 'zeros', noise: options.noise ?? 0, parameters: before.length, maxRelativeChange, out: options.out };
  if (options.dataset) {
    const rows = labelledRowsForModel(options.dataset, model, options.target, progress);
    const [labelsBefore, labelsAfter] = [model.predict(rows.features), cleaned.predict(rows.features)];
    report.check = { rows: options.dataset, accuracyBefore: accuracy(model, rows), accuracyAfter: accuracy(cleaned, rows), labelsChanged: labelsBefore.filter((label, i) => label !== labelsAfter[i]).length };
  }
  saveModelFile(cleaned, options.out);
  printResult(io, options, report, () =>
    [
      `rewrote the low ${options.bits} bits of ${before.length} weights (and every bias) with ${report.filled}${report.noise ? `, then added noise of ${report.noise} × each layer's weight spread` : ''}: the largest change is ${(maxRelativeChange * 100).toPrecision(2)}% of a weight`,
      report.check ? `on ${report.check.rows}: accuracy ${report.check.accuracyBefore.toFixed(4)} → ${report.check.accuracyAfter.toFixed(4)}, ${report.check.labelsChanged} labels changed` : 'give --dataset NAME|FILE.csv to measure what it changed',
      `an LSB payload hidden in those bits is gone; correlated-value, sign encodings and capacity abuse survive low-bit scrubbing (noise or retraining blurs the first two; only your own training code rules out the last)`,
      `saved to ${options.out}`,
    ].join('\n'),
  );
  return report;
}
