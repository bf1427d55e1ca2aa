/** Training sets for shadow and reference models drawn from the attacker's population. */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { Classifier } from '../../models/types.ts';
import { rowSelection, type RowSelection, type TrainingData } from '../../parallel/training-set.ts';
import type { Rng } from '../../random.ts';
import type { MembershipContext } from './types.ts';

/** One shadow model's training rows (`inside`) and as many rows it never saw (`outside`). */
export interface ShadowSplit {
  /** The `inside` rows of the population, named by rows: gathered where the shadow trains. */
  train: RowSelection;
  inside: Uint32Array;
  outside: Uint32Array;
}

/** Draws `size` rows to train on and `size` held out (fewer when the population is small). */
export function shadowSplit(population: ClassificationDataset, size: number, rng: Rng): ShadowSplit {
  const rows = population.features.rows;
  if (rows < 2) throw new ValidationError('cannot train shadow models', [{ path: 'population', message: `${rows} rows; the attacker needs data of its own` }]);
  const order = rng.permutation(rows);
  const inSize = Math.min(size, Math.floor(rows / 2));
  const inside = order.slice(0, inSize);
  const outside = order.slice(inSize, Math.min(rows, 2 * inSize));
  return { train: rowSelection({ from: population, rows: inside }), inside, outside };
}

/** One shadow model to train: its rows and its seed. */
export interface ShadowPlan {
  /** A data set, or rows of data sets that the pool gathers only when a worker takes the model. */
  data: TrainingData;
  seed: number;
}

/**
 * The training sets and seeds of `count` shadow models: set i is built by `make(i)` just before its
 * seed is drawn from the context's rng, so a run is repeatable, and whatever the attack draws next
 * (RMIA's population points) can be drawn before the models are trained.
 */
export function planShadows(context: MembershipContext, count: number, make: (i: number) => TrainingData): ShadowPlan[] {
  return Array.from({ length: count }, (_, i) => ({ data: make(i), seed: context.rng.nextUint32() }));
}

/** Trains `count` models like the target on the pool (worker threads or a cluster), with progress. */
export async function trainShadows(context: MembershipContext, label: string, count: number, make: (i: number) => TrainingData): Promise<Classifier[]> {
  const { pool, problem } = context;
  return withProgress(context, label, planShadows(context, count, make), (plan) => pool.train(problem.trainer, plan.data, plan.seed));
}

/**
 * Trains the planned shadow models and returns, per model, its `predictProba` on the rows of each
 * of `on(i)` — computed where the model was trained (a worker thread, a cluster worker), so the
 * attack's own process neither receives nor runs the models.
 */
export function answerShadows(context: MembershipContext, label: string, plans: ShadowPlan[], on: (i: number) => ClassificationDataset[]): Promise<Matrix[][]> {
  const { pool, problem } = context;
  return withProgress(context, label, plans, (plan, i) => pool.trainAndPredict(problem.trainer, plan.data, plan.seed, on(i)));
}

async function withProgress<T>(context: MembershipContext, label: string, plans: ShadowPlan[], work: (plan: ShadowPlan, i: number) => Promise<T>): Promise<T[]> {
  const { progress } = context;
  progress.start(label, plans.length);
  const results = await Promise.all(plans.map((plan, i) => work(plan, i).then((result) => (progress.tick(1), result))));
  progress.done();
  return results;
}
