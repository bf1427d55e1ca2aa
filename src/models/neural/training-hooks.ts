/**
 * What a training algorithm can do beyond fitting the data it is given — the levers of a
 * malicious training algorithm (Song, Ristenpart and Shmatikov, CCS 2017) and of fine-tuning:
 * an extra loss term on the weights, extra rows trained on but never held out for validation,
 * and starting weights.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import type { WeightPenalty } from './train-loop.ts';

/** Optional levers of a network's `fit`. */
export interface TrainingHooks<M = unknown> {
  /** Added to every batch's loss (correlated-value and sign encoding). */
  penalty?: WeightPenalty;
  /** Rows appended to the training rows after the validation hold-out (capacity abuse's synthetic rows). */
  extraRows?: ClassificationDataset;
  /** A fitted model of the same architecture to start from (fine-tuning). */
  initial?: M;
}
