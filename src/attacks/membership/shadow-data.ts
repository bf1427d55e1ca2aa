/** Training sets for shadow and reference models drawn from the attacker's population. */

import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Classifier } from '../../models/types.ts';
import type { Rng } from '../../random.ts';
import type { MembershipContext } from './types.ts';

/** One shadow model's training rows (`inside`) and as many rows it never saw (`outside`). */
export interface ShadowSplit {
  train: ClassificationDataset;
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
  return { train: subsetRows(population, inside), inside, outside };
}

/**
 * Trains `count` models like the target on the pool (worker threads), with progress. Set i is
 * built by `make(i)` just before its seed is drawn from the context's rng, so a run is repeatable.
 */
export async function trainShadows(context: MembershipContext, label: string, count: number, make: (i: number) => ClassificationDataset): Promise<Classifier[]> {
  const { pool, problem, rng, progress } = context;
  progress.start(label, count);
  const models = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const data = make(i);
      return pool.train(problem.trainer, data, rng.nextUint32()).then((model) => {
        progress.tick(1);
        return model;
      });
    }),
  );
  progress.done();
  return models;
}
