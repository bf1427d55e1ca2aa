/**
 * The logistic family trained with DP-SGD (Abadi et al. 2016; for convex losses, Bassily, Smith
 * and Thakurta, FOCS 2014): the scores of a softmax (or binary logistic) model as a one-layer
 * network trained by the DP-SGD loop, then written back as the linear model it is, so every
 * attack on linear models (equation solving, inversion) applies to it unchanged.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import type { DpSgdRecord, DpSgdSettings } from '../../defenses/dp-sgd/private-training.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { Rng } from '../../random.ts';
import type { Progress } from '../../progress.ts';
import { labelObjective } from '../neural/hold-out.ts';
import { trainDense } from '../neural/train-dense.ts';

/** SGD settings of the private fit. */
export interface PrivateLinearOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Penalty per training row's loss (the exact fit's l2 divided by the rows). */
  l2: number;
  progress?: Progress;
}

/** Weights (scores × features) and biases of a softmax or binary logistic model fitted with DP-SGD. */
export async function fitLinearPrivately(binary: boolean, data: ClassificationDataset, settings: DpSgdSettings, options: PrivateLinearOptions, rng: Rng): Promise<{ weights: Matrix; biases: Float64Array; privacy: DpSgdRecord }> {
  const d = data.features.cols;
  const k = data.classes.length;
  const result = await trainDense(data.features, labelObjective(data), {
    sizes: [d, k],
    hiddenActivation: 'linear',
    optimizer: 'adam',
    learningRate: options.learningRate,
    batchSize: options.batchSize,
    epochs: options.epochs,
    l2: options.l2,
    patience: 0,
    rng,
    progress: options.progress,
    privacy: settings,
  });
  const layer = result.layers[0];
  const scores = binary ? 1 : k;
  const weights = createMatrix(scores, d);
  const biases = new Float64Array(scores);
  for (let c = 0; c < scores; c++) {
    // Binary logistic: the log-odds of class 1 over class 0 of the two softmax scores.
    for (let j = 0; j < d; j++) weights.data[c * d + j] = binary ? layer.weights[j * k + 1] - layer.weights[j * k] : layer.weights[j * k + c];
    biases[c] = binary ? layer.biases[1] - layer.biases[0] : layer.biases[c];
  }
  return { weights, biases, privacy: result.privacy! };
}
