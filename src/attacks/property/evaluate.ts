/**
 * Scoring a property attack (Ateniese et al. 2015; Ganju et al. 2018): target models trained
 * with each candidate share on rows the attacker never had, one guess each; the share of right
 * guesses with its 95% Wilson interval, and the queries a guess paid.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import type { Classifier } from '../../models/types.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import type { OutputPolicy } from '../../oracle/types.ts';
import type { TrainerSpec, TrainingService } from '../../parallel/training-service.ts';
import { Rng } from '../../random.ts';
import type { FittedPropertyAttack } from './meta-classifier.ts';
import { propertyMask, sampleWithShare, type PropertySpec } from './property.ts';

/** The 95% Wilson score interval of `successes` out of `total`. */
export function wilsonInterval(successes: number, total: number): [number, number] {
  if (total === 0) return [0, 1];
  const z = 1.959964;
  const p = successes / total;
  const centre = (p + (z * z) / (2 * total)) / (1 + (z * z) / total);
  const half = (z / (1 + (z * z) / total)) * Math.sqrt((p * (1 - p)) / total + (z * z) / (4 * total * total));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Target models: `count` per share, each on `size` rows of the target pool. */
export async function trainTargets(pool: TrainingService, trainer: TrainerSpec, data: ClassificationDataset, spec: PropertySpec, count: number, size: number, seed: number) {
  const rng = new Rng(seed);
  const mask = propertyMask(data, spec);
  const jobs = [];
  for (let k = 0; k < count; k++) {
    for (const share of [0, 1] as const) {
      const rows = sampleWithShare(data, mask, spec.shares[share], size, rng.fork());
      jobs.push(pool.train(trainer, rows, rng.nextUint32()).then((model) => ({ model, share })));
    }
  }
  return Promise.all(jobs);
}

/** What a fitted attack scores on the targets. */
export interface PropertyScore {
  attack: string;
  shadows: number;
  targets: number;
  accuracy: number;
  interval: [number, number];
  /** Queries paid per target (0 white-box). */
  queriesPerTarget: number;
}

/** Guesses every target's share. */
export async function scoreAttack(fitted: FittedPropertyAttack, targets: { model: Classifier; share: 0 | 1 }[], policy: OutputPolicy): Promise<PropertyScore> {
  let correct = 0;
  let queries = 0;
  for (const target of targets) {
    const oracle = new CountingOracle(new LocalOracle(target.model, policy));
    const guess = await fitted.guess({ oracle, model: fitted.attack === 'parameters' ? target.model : undefined });
    if (guess.share === target.share) correct++;
    queries += oracle.queries;
  }
  return { attack: fitted.attack, shadows: fitted.shadows, targets: targets.length, accuracy: correct / targets.length, interval: wilsonInterval(correct, targets.length), queriesPerTarget: queries / targets.length };
}
