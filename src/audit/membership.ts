/**
 * Membership inference in an audit: under each candidate policy, the attacks that can work from
 * what the policy reveals — the loss threshold chosen on a shadow model (Yeom et al. 2018) and,
 * outside `--quick`, offline LiRA with reference models (Carlini et al. 2022) where scores are
 * revealed; the noise-robustness label-only attack (Choquette-Choo et al. 2021) where only labels
 * are. The strongest run per policy (TPR at 1% FPR, then AUC) is the one the verdict reads.
 */

import { MEMBERSHIP_ATTACKS } from '../attacks/membership/index.ts';
import { runMembership, type MembershipOutcome } from '../attacks/membership/runner.ts';
import type { MembershipProblem } from '../attacks/membership/types.ts';
import type { AttackRecord } from '../attacks/types.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { Oracle } from '../oracle/types.ts';
import type { TrainingService } from '../parallel/training-service.ts';
import type { Progress } from '../progress.ts';
import type { MembershipResult } from './verdicts.ts';

/** The membership attacks that apply to what a target reveals. */
export function membershipPlans(reveals: string, quick: boolean): { attack: string; params: Record<string, unknown> }[] {
  if (reveals === 'label') return [{ attack: 'label-only', params: { copies: quick ? 10 : 20 } }];
  if (reveals === 'value') return [];
  const plans = [{ attack: 'threshold', params: { signal: 'loss' } as Record<string, unknown> }];
  if (!quick) plans.push({ attack: 'lira', params: { shadows: 8, mode: 'offline' } });
  return plans;
}

/** Options of `auditMembership`. */
export interface MembershipAuditOptions {
  targets: Oracle[];
  problem: MembershipProblem;
  members: boolean[];
  /** Where each candidate came from (a file and line), for the most exposed records. */
  sources: string[];
  quick: boolean;
  seed: number;
  pool: TrainingService;
  progress: Progress;
  /** Called after each attack run (the audit's overall progress). */
  stageDone?: () => void;
}

/** One run's record, without the per-candidate scores (the most exposed records keep the strongest run's). */
export type MembershipRun = AttackRecord<Omit<MembershipOutcome, 'scores'>>;

/** The most exposed members of the strongest run under the first policy. */
export interface ExposedRecord {
  row: string;
  score: number;
  member: boolean;
}

/** Runs the applicable attacks under each policy. */
export async function auditMembership(options: MembershipAuditOptions): Promise<{ runs: MembershipRun[]; results: MembershipResult[]; exposed: ExposedRecord[] }> {
  const runs: MembershipRun[] = [];
  const results: MembershipResult[] = [];
  let exposed: ExposedRecord[] = [];
  for (const target of options.targets) {
    const policy = formatPolicy(target.info.policy);
    let strongest: { result: MembershipResult; outcome: MembershipOutcome } | undefined;
    for (const plan of membershipPlans(target.info.reveals, options.quick)) {
      const record = await runMembership(MEMBERSHIP_ATTACKS[plan.attack], target, options.problem, {
        params: plan.params,
        seed: options.seed,
        pool: options.pool,
        members: options.members,
        progress: options.progress,
      });
      const { scores: _scores, ...outcome } = record.outcome ?? { scores: [], models: 0 };
      runs.push({ ...record, outcome });
      options.stageDone?.();
      const metrics = record.outcome?.metrics;
      if (!metrics) continue;
      const at = (fpr: number) => metrics.tprAtFpr.find((point) => Math.abs(point.fpr - fpr) < 1e-12)?.tpr ?? 0;
      const result: MembershipResult = { policy, attack: record.attack, auc: metrics.auc, tprAt1: at(0.01), tprAt01: at(0.001), members: metrics.members, nonMembers: metrics.nonMembers, queries: record.queries };
      const stronger = !strongest || result.tprAt1 > strongest.result.tprAt1 || (result.tprAt1 === strongest.result.tprAt1 && result.auc > strongest.result.auc);
      if (stronger) strongest = { result, outcome: record.outcome! };
    }
    if (!strongest) continue;
    results.push(strongest.result);
    if (results.length === 1) {
      const scores = strongest.outcome.scores;
      exposed = scores
        .map((score, i) => ({ row: options.sources[i] ?? `candidate ${i}`, score, member: options.members[i] }))
        .filter((record) => record.member)
        .sort((a, b) => b.score - a.score)
        .slice(0, 5);
    }
  }
  return { runs, results, exposed };
}
