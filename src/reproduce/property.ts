/**
 * `threatlab reproduce property`: property inference on Adult — was the income model trained on
 * 20% or on 50% women? (Ateniese et al. 2015; Ganju et al., CCS 2018; Suri & Evans 2022.) The
 * attacker's rows and the targets' rows are disjoint halves of Adult; every training set has
 * 2,000 rows drawn with the share. Per model and attack: accuracy of the guess over the targets
 * with its 95% Wilson interval, against the number of shadow models (one set, read by prefix),
 * and the queries each guess paid.
 */

import { fitPropertyAttack, PROPERTY_ATTACKS, trainShadows, type PropertyAttackName, type PropertyProblem } from '../attacks/property/meta-classifier.ts';
import { scoreAttack, trainTargets } from '../attacks/property/evaluate.ts';
import { parseProperty } from '../attacks/property/property.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { loadAdult } from '../data/datasets/adult.ts';
import { TrainingPool, type TrainerSpec } from '../parallel/training-pool.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED } from './extraction.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { OutputPolicy } from '../oracle/types.ts';

/** One row: a model, an attack, a number of shadows. */
export interface PropertyRow {
  model: string;
  attack: PropertyAttackName;
  /** Shadow models per candidate share. */
  shadows: number;
  /** Targets per share. */
  targets: number;
  accuracy: number;
  interval: [number, number];
  queriesPerTarget: number;
  /** The targets' (and shadows') output policy. */
  policy: string;
}

/** The reproduction's targets. */
export const PROPERTY_MODELS: { model: string; trainer: TrainerSpec }[] = [
  { model: 'logistic', trainer: { kind: 'logistic', params: {} } },
  { model: 'MLP 32', trainer: { kind: 'mlp', params: { hidden: '32', epochs: 20, validationFraction: 0 } } },
  { model: 'MLP 32, raw inputs', trainer: { kind: 'mlp', params: { hidden: '32', epochs: 20, validationFraction: 0, standardize: false } } },
  { model: 'tree, depth 8', trainer: { kind: 'tree', params: { maxDepth: 8 } } },
];

/** The property: the share of women, 20% or 50%. */
export const ADULT_PROPERTY = 'sex=Female:0.2,0.5';

/** Disjoint halves of Adult: the attacker's rows and the targets'. */
export function adultHalves(seed: number): { attacker: ClassificationDataset; targets: ClassificationDataset } {
  const adult = loadAdult('income');
  const order = new Rng(seed).permutation(adult.features.rows);
  const half = Math.floor(order.length / 2);
  return { attacker: subsetRows(adult, order.subarray(0, half)), targets: subsetRows(adult, order.subarray(half)) };
}

/** Runs the table. */
export async function reproduceProperty(options: { quick: boolean; progress?: Progress }): Promise<{ seed: number; property: string; trainSize: number; rows: PropertyRow[] }> {
  const progress = options.progress ?? silentProgress;
  const spec = parseProperty(ADULT_PROPERTY);
  const trainSize = 2000;
  const targetsPerShare = options.quick ? 20 : 100;
  const shadowCounts = options.quick ? [20] : [10, 25, 50, 100];
  const models = options.quick ? PROPERTY_MODELS.filter((entry) => entry.model === 'MLP 32') : PROPERTY_MODELS;
  const { attacker, targets: targetRows } = adultHalves(REPRODUCTION_SEED);
  const pool = new TrainingPool();
  const rows: PropertyRow[] = [];
  try {
    for (const { model, trainer } of models) {
      const problem: PropertyProblem = { spec, pool: attacker, trainer, trainSize };
      const targets = await trainTargets(pool, trainer, targetRows, spec, targetsPerShare, trainSize, REPRODUCTION_SEED + 1);
      const shadows = await trainShadows(problem, Math.max(...shadowCounts), REPRODUCTION_SEED + 2, pool, progress);
      // Every attack against each number of shadows under full answers; the black-box ones again
      // with every shadow under label-only answers (the output defence).
      const plans: { attack: PropertyAttackName; count: number; policy: OutputPolicy }[] = [
        ...PROPERTY_ATTACKS.flatMap((attack) => shadowCounts.map((count) => ({ attack, count, policy: { kind: 'full' } as OutputPolicy }))),
        ...(['outputs', 'loss-test'] as const).map((attack) => ({ attack, count: Math.max(...shadowCounts), policy: { kind: 'label-only' } as OutputPolicy })),
      ];
      for (const { attack, count, policy } of plans) {
        const fitted = await fitPropertyAttack(attack, problem, shadows.slice(0, 2 * count), { probes: 500, seed: REPRODUCTION_SEED + 3, policy });
        const score = await scoreAttack(fitted, targets, policy);
        rows.push({ model, attack, shadows: count, targets: targetsPerShare, accuracy: score.accuracy, interval: score.interval, queriesPerTarget: score.queriesPerTarget, policy: formatPolicy(policy) });
      }
    }
  } finally {
    await pool.close();
  }
  return { seed: REPRODUCTION_SEED, property: ADULT_PROPERTY, trainSize, rows };
}
