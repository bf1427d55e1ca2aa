/**
 * `threatlab reproduce property`: property inference (Ateniese et al. 2015; Ganju et al., CCS
 * 2018; Suri & Evans 2022). The main table asks whether Adult's income model was trained on 20% or
 * on 50% women, per model and attack, against the number of shadow models (one set, read by
 * prefix); the full run adds the share of a race, a ratio too close to tell (40% vs 50% women),
 * the share of spam in an SMS filter, the outputs attack against the number of probe queries, and
 * rounded and label-only answers as output defences. The attacker's rows and the targets' rows
 * are disjoint halves of the data; accuracy of the guess over the targets with its 95% Wilson
 * interval, and the queries each guess paid.
 */

import { fitPropertyAttack, PROPERTY_ATTACKS, trainShadows, type PropertyAttackName, type PropertyProblem } from '../attacks/property/meta-classifier.ts';
import { scoreAttack, trainTargets } from '../attacks/property/evaluate.ts';
import { parseProperty } from '../attacks/property/property.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { loadAdult } from '../data/datasets/adult.ts';
import { loadSmsSpam } from '../data/datasets/spam.ts';
import { TrainingPool, type TrainerSpec, type TrainingService } from '../parallel/training-pool.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED } from './extraction.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { OutputPolicy } from '../oracle/types.ts';

/** One row: a property, a model, an attack, a number of shadows and probes, an output policy. */
export interface PropertyRow {
  /** The data set and property, e.g. `Adult sex=Female:0.2,0.5`. */
  property: string;
  model: string;
  attack: PropertyAttackName;
  /** Shadow models per candidate share. */
  shadows: number;
  /** Targets per share. */
  targets: number;
  /** Probe rows (per share for the loss test; 0 for the parameters attack). */
  probes: number;
  accuracy: number;
  interval: [number, number];
  queriesPerTarget: number;
  /** The targets' (and shadows') output policy. */
  policy: string;
}

const MLP_32: TrainerSpec = { kind: 'mlp', params: { hidden: '32', epochs: 20, validationFraction: 0 } };
const TREE_8: TrainerSpec = { kind: 'tree', params: { maxDepth: 8 } };

/** The main table's targets. */
export const PROPERTY_MODELS: { model: string; trainer: TrainerSpec }[] = [
  { model: 'logistic', trainer: { kind: 'logistic', params: {} } },
  { model: 'MLP 32', trainer: MLP_32 },
  { model: 'MLP 32, raw inputs', trainer: { kind: 'mlp', params: { hidden: '32', epochs: 20, validationFraction: 0, standardize: false } } },
  { model: 'tree, depth 8', trainer: TREE_8 },
];

/** The main property: the share of women, 20% or 50%. */
export const ADULT_PROPERTY = 'sex=Female:0.2,0.5';

/** Disjoint halves of a data set: the attacker's rows and the targets'. */
export function disjointHalves(data: ClassificationDataset, seed: number): { attacker: ClassificationDataset; targets: ClassificationDataset } {
  const order = new Rng(seed).permutation(data.features.rows);
  const half = Math.floor(order.length / 2);
  return { attacker: subsetRows(data, order.subarray(0, half)), targets: subsetRows(data, order.subarray(half)) };
}

/** Disjoint halves of Adult (income target). */
export function adultHalves(seed: number) {
  return disjointHalves(loadAdult('income'), seed);
}

/** One attack to score: with a number of shadows per share, probes and an output policy. */
interface Plan {
  attack: PropertyAttackName;
  shadows: number;
  probes: number;
  policy: OutputPolicy;
}

/** A property on a data set, a target model, and the plans to score against it. */
interface PropertyCase {
  data: 'Adult' | 'SMS spam';
  property: string;
  model: string;
  trainer: TrainerSpec;
  trainSize: number;
  targets: number;
  plans: Plan[];
}

const FULL: OutputPolicy = { kind: 'full' };
const LABEL_ONLY: OutputPolicy = { kind: 'label-only' };
const ROUNDED_1: OutputPolicy = { kind: 'rounded', decimals: 1 };

/** The main table: every attack against each number of shadows; the black-box ones again under label-only answers. */
function mainCases(quick: boolean): PropertyCase[] {
  const counts = quick ? [20] : [10, 25, 50, 100];
  const most = Math.max(...counts);
  const models = quick ? PROPERTY_MODELS.filter((entry) => entry.model === 'MLP 32') : PROPERTY_MODELS;
  return models.map(({ model, trainer }) => ({
    data: 'Adult',
    property: ADULT_PROPERTY,
    model,
    trainer,
    trainSize: 2000,
    targets: quick ? 20 : 100,
    plans: [
      ...PROPERTY_ATTACKS.flatMap((attack) => counts.map((shadows) => ({ attack, shadows, probes: attack === 'parameters' ? 0 : 500, policy: FULL }))),
      ...(['outputs', 'loss-test'] as const).map((attack) => ({ attack, shadows: most, probes: 500, policy: LABEL_ONLY })),
      // The full run: answers rounded to one decimal, and the outputs attack against the number of probes.
      ...(quick ? [] : (['outputs', 'loss-test'] as const).map((attack) => ({ attack, shadows: most, probes: 500, policy: ROUNDED_1 }))),
      ...(quick || model !== 'MLP 32' ? [] : [10, 50, 100, 2000].map((probes) => ({ attack: 'outputs' as const, shadows: most, probes, policy: FULL }))),
    ],
  }));
}

/** The full run's other properties: a race's share, a ratio too close to tell, the share of spam. */
function otherCases(): PropertyCase[] {
  const each = (attacks: readonly PropertyAttackName[], shadows: number): Plan[] => attacks.map((attack) => ({ attack, shadows, probes: attack === 'parameters' ? 0 : 500, policy: FULL }));
  return [
    ...[{ model: 'MLP 32', trainer: MLP_32 }, { model: 'tree, depth 8', trainer: TREE_8 }].flatMap(({ model, trainer }) => [
      { data: 'Adult' as const, property: 'race=Black:0.05,0.2', model, trainer, trainSize: 2000, targets: 100, plans: each(PROPERTY_ATTACKS, 50) },
      { data: 'Adult' as const, property: 'sex=Female:0.4,0.5', model, trainer, trainSize: 2000, targets: 100, plans: each(PROPERTY_ATTACKS, 50) },
    ]),
    { data: 'SMS spam', property: 'label=spam:0.1,0.3', model: 'logistic, bag of words', trainer: { kind: 'logistic', params: {} }, trainSize: 1000, targets: 100, plans: each(PROPERTY_ATTACKS, 50) },
  ];
}

/** Runs one case: targets and shadows trained once, every plan scored on them. */
async function runCase(entry: PropertyCase, halves: { attacker: ClassificationDataset; targets: ClassificationDataset }, pool: TrainingService, progress: Progress): Promise<PropertyRow[]> {
  const spec = parseProperty(entry.property);
  const problem: PropertyProblem = { spec, pool: halves.attacker, trainer: entry.trainer, trainSize: entry.trainSize };
  const targets = await trainTargets(pool, entry.trainer, halves.targets, spec, entry.targets, entry.trainSize, REPRODUCTION_SEED + 1);
  const shadows = await trainShadows(problem, Math.max(...entry.plans.map((plan) => plan.shadows)), REPRODUCTION_SEED + 2, pool, progress);
  const rows: PropertyRow[] = [];
  for (const plan of entry.plans) {
    const fitted = await fitPropertyAttack(plan.attack, problem, shadows.slice(0, 2 * plan.shadows), { probes: Math.max(1, plan.probes), seed: REPRODUCTION_SEED + 3, policy: plan.policy });
    const score = await scoreAttack(fitted, targets, plan.policy);
    rows.push({ property: `${entry.data} ${entry.property}`, model: entry.model, attack: plan.attack, shadows: plan.shadows, targets: entry.targets, probes: plan.probes, accuracy: score.accuracy, interval: score.interval, queriesPerTarget: score.queriesPerTarget, policy: formatPolicy(plan.policy) });
  }
  return rows;
}

/** Runs the tables. */
export async function reproduceProperty(options: { quick: boolean; training?: TrainingService; progress?: Progress }): Promise<{ seed: number; property: string; rows: PropertyRow[] }> {
  const progress = options.progress ?? silentProgress;
  const cases = [...mainCases(options.quick), ...(options.quick ? [] : otherCases())];
  const halves = { Adult: adultHalves(REPRODUCTION_SEED), 'SMS spam': cases.some((entry) => entry.data === 'SMS spam') ? disjointHalves(loadSmsSpam(), REPRODUCTION_SEED) : undefined };
  const pool = options.training ?? new TrainingPool();
  const rows: PropertyRow[] = [];
  try {
    for (const entry of cases) rows.push(...(await runCase(entry, halves[entry.data]!, pool, progress)));
  } finally {
    if (!options.training) await pool.close();
  }
  return { seed: REPRODUCTION_SEED, property: ADULT_PROPERTY, rows };
}
