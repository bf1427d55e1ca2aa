/**
 * The pool-extraction problem of the tests and the benchmark: an Adult ReLU MLP 108-20-2 trained
 * by threatlab on a seeded 70% split, and from the other 30% the attacker's pool (6,000 rows) and
 * the held-out rows fidelity is measured on.
 */

import { initBackend } from '../backend/setup.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { loadDataset } from '../data/datasets/registry.ts';
import { defaultSplit } from '../data/split.ts';
import { MlpTrainer } from '../models/neural/mlp.ts';
import type { Mlp } from '../models/neural/mlp.ts';
import { Rng } from '../random.ts';

/** The target and the attacker's rows. */
export async function adultPoolProblem(): Promise<{ target: Mlp; pool: ClassificationDataset; heldOut: ClassificationDataset }> {
  await initBackend();
  const data = loadDataset('adult-income') as ClassificationDataset;
  const split = defaultSplit(data, 0.3, new Rng(1));
  const test = Array.from(split.test);
  const target = await new MlpTrainer({ hidden: '20', activation: 'relu' }).fit(subsetRows(data, split.train), new Rng(2));
  return { target, pool: subsetRows(data, test.slice(0, 6000)), heldOut: subsetRows(data, test.slice(6000)) };
}
