/**
 * Runs a membership attack the way `runAttack` runs the others (DESIGN.md, "Attacks"):
 * parameters validated, the oracle counted and budgeted, the run timed, an exhausted budget
 * turned into a status, and a JSON-serialisable record. When the caller knows who is a member
 * (an audit of one's own model, a reproduction), the record carries the metrics: ROC, AUC,
 * TPR at low FPR, per class, and the most exposed records.
 */

import { hasCode } from '../../errors.ts';
import { aucPerClass, membershipMetrics, mostExposed, type MembershipMetrics } from '../../metrics/membership.ts';
import { resolveParams, type ParamSpecs } from '../../models/params.ts';
import { BudgetOracle, CountingOracle, requireReveals } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import { TrainingPool, type TrainingService } from '../../parallel/training-pool.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { attackRecord } from '../runner.ts';
import type { AttackRecord } from '../types.ts';
import type { MembershipAttack, MembershipProblem } from './types.ts';

/** Options of a membership run. */
export interface MembershipRunOptions {
  params?: Record<string, unknown>;
  seed: number;
  budget?: number;
  /** Shadow-model trainer (a pool of worker threads); one of two workers is made and closed when absent. */
  pool?: TrainingService;
  /** Who is a member, per candidate — known to an auditor, never to the attack. */
  members?: readonly boolean[];
  /** Member share assumed by the precision metric. */
  prior?: number;
  progress?: Progress;
}

/** What a membership run found. */
export interface MembershipOutcome {
  scores: number[];
  /** Shadow or reference models trained. */
  models: number;
  threshold?: number;
  /** At the attacker's own threshold, when it has one and the truth is known. */
  thresholdDecision?: { tpr: number; fpr: number };
  metrics?: MembershipMetrics;
  perClass?: { class: string; records: number; auc: number }[];
  mostExposed?: { index: number; score: number; member: boolean }[];
}

/** Runs `attack` against `target` on `problem`. */
export async function runMembership<S extends ParamSpecs>(attack: MembershipAttack<S>, target: Oracle, problem: MembershipProblem, options: MembershipRunOptions): Promise<AttackRecord<MembershipOutcome>> {
  const params = resolveParams(attack.name, attack.params, options.params ?? {}, 'attack');
  requireReveals(target, attack.needs, attack.name);
  const counted = new CountingOracle(target);
  const oracle = options.budget === undefined ? counted : new BudgetOracle(counted, options.budget);
  const pool = options.pool ?? new TrainingPool();
  const started = performance.now();
  let outcome: MembershipOutcome | undefined;
  let status: AttackRecord<MembershipOutcome>['status'] = 'completed';
  try {
    const result = await attack.run({ oracle, problem, pool, rng: new Rng(options.seed), progress: options.progress ?? silentProgress }, params);
    outcome = { scores: Array.from(result.scores), models: result.models, threshold: result.threshold };
    const members = options.members;
    if (members) {
      outcome.metrics = membershipMetrics(result.scores, members, { prior: options.prior });
      outcome.perClass = aucPerClass(result.scores, members, problem.candidates.labels, problem.candidates.classes);
      outcome.mostExposed = mostExposed(result.scores, 10).map((entry) => ({ ...entry, member: members[entry.index] }));
      if (result.threshold !== undefined) {
        const threshold = result.threshold;
        const predicted = Array.from(result.scores, (score) => score >= threshold);
        const positives = members.filter(Boolean).length;
        outcome.thresholdDecision = {
          tpr: predicted.filter((p, i) => p && members[i]).length / positives,
          fpr: predicted.filter((p, i) => p && !members[i]).length / (members.length - positives),
        };
      }
    }
  } catch (error) {
    if (!hasCode(error, 'budget-exceeded')) throw error;
    status = 'budget-exhausted';
  } finally {
    if (!options.pool) await pool.close();
  }
  return attackRecord(attack, 'membership', params, target, options.seed, status, counted, started, outcome);
}
