/**
 * Where independent models are trained: worker threads of this process (`TrainingPool`, the
 * default) or `threatlab worker` processes on any number of machines behind a BullMQ queue
 * (`ClusterTrainingService`). The membership, property and defence code asks for models through
 * this interface only, so a run gives the same models, seed for seed, on either.
 */

import type { ClassificationDataset } from '../data/dataset.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Classifier } from '../models/types.ts';
import type { TrainingData } from './training-set.ts';

/** What to train: a registry model kind with its parameters. */
export interface TrainerSpec {
  kind: string;
  params: Record<string, unknown>;
}

/** Trains models; submit many at once and they run side by side. */
export interface TrainingService {
  /** How many models train at once here (0: one at a time in this thread; a cluster: its queue's name). */
  readonly size: number;
  /** Fits a classifier of `spec` on `data` (a data set, or rows of data sets: `rowSelection`) with `seed`; equal to fitting it in this thread. */
  train(spec: TrainerSpec, data: TrainingData, seed: number): Promise<Classifier>;
  /**
   * Fits like `train`, then answers `predictProba` on the rows of each of `on` where the model was fitted, and
   * returns the answers only: a shadow model's work is done where it was trained (a cluster worker
   * or a thread), so the client neither receives the model nor runs it. The answers are those of
   * the model `train` returns (the model is read back from its file form first, as `train`'s is).
   */
  trainAndPredict(spec: TrainerSpec, data: TrainingData, seed: number, on: readonly ClassificationDataset[]): Promise<Matrix[]>;
  /** Stops the workers (a cluster: withdraws this client's jobs that have not started). */
  close(): Promise<void>;
}
