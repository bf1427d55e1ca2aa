/**
 * `threatlab reproduce membership`: every membership attack on the data sets and
 * models. Each target trains on a seeded set of members; as many non-members are held out; the
 * attacker's population is disjoint from both (see membership-split.ts). Per data set and model:
 * the train–test accuracy gap, and AUC, TPR at 1% and 0.1% FPR for each attack. What the
 * literature leads us to expect: LiRA ≥ shadow models ≥ threshold at low FPR (Carlini et al.
 * 2022, Fig. 1), leakage growing with the gap (Yeom et al. 2018), Adult a near-null row
 * (Shokri et al. report precision ≈ 0.5 on it).
 */

import type { ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { MEMBERSHIP_ATTACKS } from '../attacks/membership/index.ts';
import { membershipSplit } from '../attacks/membership/membership-split.ts';
import { runMembership } from '../attacks/membership/runner.ts';
import { accuracy } from '../metrics/score.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { TrainingPool, type TrainerSpec, type TrainingService } from '../parallel/training-pool.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** One target: data set, model, sizes. */
export interface MembershipTarget {
  dataset: string;
  model: string;
  trainer: TrainerSpec;
  members: number;
  population: number;
}

/** One attack's result on one target. */
export interface MembershipAttackResult {
  attack: string;
  auc: number;
  tprAt1: number;
  tprAt01: number;
  queries: number;
  models: number;
  seconds: number;
}

/** One row of the table. */
export interface MembershipRow {
  dataset: string;
  model: string;
  members: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  gap?: number;
  attacks: MembershipAttackResult[];
  note?: string;
}

const mlp = (hidden: string, epochs: number, extra: Record<string, unknown> = {}): TrainerSpec => ({ kind: 'mlp', params: { hidden, epochs, validationFraction: 0, ...extra } });

/** The faces softmax, its pixels standardised as when the table was made (since 2026-12-06 the default leaves inputs in [0, 1] unscaled). */
const FACES_SOFTMAX: TrainerSpec = { kind: 'softmax', params: { standardizeUnitInputs: true } };

/** The full table's targets. */
export const FULL_TARGETS: MembershipTarget[] = [
  { dataset: 'adult-income', model: 'MLP 64', trainer: mlp('64', 30, { standardize: true }), members: 2500, population: 10000 },
  { dataset: 'att-faces', model: 'softmax', trainer: FACES_SOFTMAX, members: 100, population: 200 },
  { dataset: 'att-faces', model: 'MLP 256 sigmoid', trainer: mlp('256', 120, { activation: 'sigmoid', batchSize: 32, standardize: false }), members: 100, population: 200 },
  { dataset: 'gss', model: 'softmax', trainer: { kind: 'softmax', params: {} }, members: 2000, population: 8000 },
  { dataset: 'sms-spam', model: 'logistic', trainer: { kind: 'logistic', params: {} }, members: 1000, population: 3000 },
  { dataset: 'fashion-mnist', model: 'MLP 128', trainer: mlp('128', 30, { standardize: false }), members: 5000, population: 20000 },
  { dataset: 'fashion-mnist', model: 'CNN 8-16', trainer: { kind: 'cnn', params: { epochs: 15, validationFraction: 0 } }, members: 2000, population: 8000 },
];

/** The test-size variant. */
export const QUICK_TARGETS: MembershipTarget[] = [{ dataset: 'att-faces', model: 'softmax', trainer: FACES_SOFTMAX, members: 100, population: 200 }];

/** Attacks and their parameters, full or quick. */
function attackPlan(quick: boolean): { label: string; attack: string; params: Record<string, unknown> }[] {
  return [
    { label: 'threshold (loss)', attack: 'threshold', params: { signal: 'loss' } },
    { label: 'shadow models', attack: 'shadow-models', params: { shadows: quick ? 2 : 8 } },
    { label: 'shadow models, forest', attack: 'shadow-models', params: { shadows: quick ? 2 : 8, attackModel: 'forest' } },
    { label: 'LiRA online', attack: 'lira', params: { shadows: quick ? 4 : 16, mode: 'online' } },
    { label: 'LiRA offline', attack: 'lira', params: { shadows: quick ? 4 : 16, mode: 'offline' } },
    { label: 'RMIA', attack: 'rmia', params: { references: quick ? 1 : 2 } },
    { label: 'label-only', attack: 'label-only', params: {} },
    { label: 'boundary distance', attack: 'boundary-distance', params: quick ? { maxQueries: 40, calibrationRows: 10 } : {} },
  ];
}

async function targetRow(target: MembershipTarget, quick: boolean, pool: TrainingService, progress: Progress): Promise<MembershipRow> {
  const row: MembershipRow = { dataset: target.dataset, model: target.model, members: target.members, attacks: [] };
  if (!isAvailable(findDataset(target.dataset))) return { ...row, note: `skipped: data set ${target.dataset} not found` };
  const data = loadDataset(target.dataset) as ClassificationDataset;
  const split = membershipSplit(data, { members: target.members, population: target.population }, REPRODUCTION_SEED);
  const model = await pool.train(target.trainer, split.members, REPRODUCTION_SEED);
  row.trainAccuracy = accuracy(model, split.members);
  row.testAccuracy = accuracy(model, split.nonMembers);
  row.gap = row.trainAccuracy - row.testAccuracy;
  const problem = { candidates: split.candidates, population: split.population, trainer: target.trainer, trainSize: target.members };
  for (const plan of attackPlan(quick)) {
    const record = await runMembership(MEMBERSHIP_ATTACKS[plan.attack], new LocalOracle(model), problem, { params: plan.params, seed: REPRODUCTION_SEED, pool, members: split.truth, progress });
    const metrics = record.outcome!.metrics!;
    row.attacks.push({
      attack: plan.label,
      auc: metrics.auc,
      tprAt1: metrics.tprAtFpr[0].tpr,
      tprAt01: metrics.tprAtFpr[1].tpr,
      queries: record.queries,
      models: record.outcome!.models,
      seconds: record.seconds,
    });
  }
  return row;
}

/** Runs the table (`only` filters targets by data set name). */
export async function reproduceMembership(options: { quick: boolean; training?: TrainingService; only?: string; progress?: Progress }): Promise<{ seed: number; rows: MembershipRow[] }> {
  const pool = options.training ?? new TrainingPool();
  const rows: MembershipRow[] = [];
  try {
    for (const target of options.quick ? QUICK_TARGETS : FULL_TARGETS) {
      if (options.only && !`${target.dataset} ${target.model}`.includes(options.only)) continue;
      rows.push(await targetRow(target, options.quick, pool, options.progress ?? silentProgress));
    }
  } finally {
    if (!options.training) await pool.close();
  }
  return { seed: REPRODUCTION_SEED, rows };
}
