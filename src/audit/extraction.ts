/**
 * Extraction in an audit (Tramèr et al., USENIX Security 2016): under each candidate policy, the
 * attacks that apply to what the target is and reveals — equation solving for logistic models
 * with scores, path finding for trees revealing leaves, retraining for networks with scores,
 * label-only adaptive retraining otherwise — each judged by the agreement of its copy with the
 * target on the rows the audit names. The cheapest attack reaching 99% agreement is reported
 * (else the best), and every query paid, the fidelity checks' included, is counted.
 */

import { EXTRACTION_ATTACKS } from '../attacks/extraction/index.ts';
import { runAttack } from '../attacks/runner.ts';
import type { AttackRecord } from '../attacks/types.ts';
import { hasCode } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import { agreementOn, type Agreement } from '../metrics/fidelity.ts';
import { oracleAgreement } from '../metrics/oracle-agreement.ts';
import type { Classifier, Model } from '../models/types.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { Oracle, OracleInfo } from '../oracle/types.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { EXTRACTION_THRESHOLDS, type ExtractionResult } from './verdicts.ts';
import { networkUnknowns } from '../attacks/extraction/retraining.ts';

/** One extraction attack to try, with its parameters. */
export interface ExtractionPlan {
  attack: string;
  params: Record<string, unknown>;
}

/** The attacks that apply to a target with this info (its kind and what it reveals). */
export function extractionPlans(info: OracleInfo, quick: boolean): ExtractionPlan[] {
  if (info.task !== 'classification') return [];
  const plans: ExtractionPlan[] = [];
  const scores = info.reveals === 'scores';
  if (scores && (info.kind === 'logistic' || info.kind === 'softmax' || info.kind === 'ovr')) {
    plans.push({ attack: 'equation-solving', params: {} });
    // Rounded scores lose the extreme probabilities uniform queries often get: more queries make up
    // for it (a binary Adult softmax at 2 decimals: 91.2% agreement at 1× its unknowns, 99.9% at 5×).
    const unknowns = (info.kind === 'logistic' ? 1 : info.classes.length) * (info.inputSize + 1);
    if (info.policy.kind === 'rounded') plans.push({ attack: 'equation-solving', params: { method: 'loss', queries: 5 * unknowns } });
  }
  if (info.reveals === 'leaf' && info.kind === 'tree') plans.push({ attack: 'path-finding', params: {} });
  // --quick caps the float64 fit (on Adult's 7,106 unknowns: 10 s and 92% agreement at 200 iterations, 132 s and 92.4% at 3,000),
  // and its queries where a fit on one query per unknown would pass QUICK_FIT_WORK (see there).
  if (scores && (info.kind === 'mlp' || (info.kind === 'unknown' && info.architecture))) plans.push({ attack: 'mlp-retraining', params: quick ? { budget: quickRetrainingBudget(info), iterations: QUICK_ITERATIONS } : { budget: 1 } });
  // Label-only adaptive retraining works from any answer: the fallback, and the label-only policy's attack.
  const labelQueries = quick ? Math.min(2000, 10 * (info.inputSize + 1)) : 0;
  // --quick refits a wide surrogate in fewer rounds: each refit of the softmax runs to its iteration cap on the boundary points.
  const rounds = quick && info.classes.length * (info.inputSize + 1) > QUICK_WIDE_SURROGATE ? { rounds: QUICK_ROUNDS } : {};
  plans.push({ attack: 'retraining', params: { strategy: 'adaptive', ...(labelQueries ? { queries: labelQueries } : {}), ...rounds } });
  return plans;
}

/** L-BFGS iterations of a quick audit's MLP fit. */
const QUICK_ITERATIONS = 200;
/**
 * Multiply-adds a quick audit's MLP fit may take (queries × unknowns × iterations, each a pass
 * forward): one query per unknown keeps Adult's MLP (7,106 unknowns: 1.0e10, ~10 s); an MNIST
 * MLP 784-128-10 (101,770 unknowns) would take 2.1e12 on 101,770 queries — over 15 minutes and
 * 10 GB here — and is fitted on ~4,900 queries instead, every one counted in the verdict.
 */
const QUICK_FIT_WORK = 1e11;
/** Surrogate unknowns (classes × (inputs + 1)) from which a quick audit's label-only retraining takes `QUICK_ROUNDS` rounds, not 20: 110 of an MNIST MLP audit's label-only seconds were 20 refits of a 7,850-unknown softmax. */
const QUICK_WIDE_SURROGATE = 1000;
const QUICK_ROUNDS = 5;

/** A quick audit's mlp-retraining budget (queries per unknown): 1, or less where the fit would pass `QUICK_FIT_WORK`. */
function quickRetrainingBudget(info: OracleInfo): number {
  const unknowns = networkUnknowns([info.inputSize, ...(info.architecture?.hidden ?? [20]), info.classes.length]);
  return Math.min(1, QUICK_FIT_WORK / (unknowns * unknowns * QUICK_ITERATIONS));
}

/** One attack's run in an audit: the record and its copy's agreement. */
export interface ExtractionRun {
  policy: string;
  attack: string;
  /** The run's record, without the surrogate; absent when the attack refused the target. */
  record?: AttackRecord<unknown>;
  agreement?: Agreement;
  /** Queries paid to measure agreement through a served target (none for a model in hand). */
  checkQueries: number;
  /** Why the attack did not run or made no copy. */
  refused?: string;
}

/** Options of `auditExtraction`. */
export interface ExtractionAuditOptions {
  /** The target under each candidate policy. */
  targets: Oracle[];
  /** The model itself, when in hand: agreement is then measured without queries. */
  model?: Model;
  /** Rows the copies are judged on. */
  rows: Matrix;
  /** The attacker's own unlabelled rows, queried first by the attacks that take a pool (Papernot et al. 2017). */
  pool?: Matrix;
  quick: boolean;
  seed: number;
  progress: Progress;
  /** Called after each attack run (the audit's overall progress). */
  stageDone?: () => void;
  /**
   * The policies' attacks side by side, each long fit on a worker thread of its own (mlp-retraining's
   * L-BFGS): the copies of two policies fit at once on two cores. The same runs, records and order;
   * the bar shows the first policy's attacks only (the others' would draw over it).
   */
  offThread?: boolean;
}

/** Runs the applicable attacks under each policy; the cheapest ≥ 99% copy (or the best) per policy. */
export async function auditExtraction(options: ExtractionAuditOptions): Promise<{ runs: ExtractionRun[]; results: ExtractionResult[] }> {
  const runs: ExtractionRun[] = [];
  const results: ExtractionResult[] = [];
  const runsOf = async (target: Oracle, index: number, signal?: AbortSignal): Promise<ExtractionRun[]> => {
    const policy = formatPolicy(target.info.policy);
    const progress = options.offThread && index > 0 ? silentProgress : options.progress;
    const mine: ExtractionRun[] = [];
    for (const plan of extractionPlans(target.info, options.quick)) {
      mine.push(await runPlan(plan, target, policy, { ...options, progress }, signal));
      options.stageDone?.();
    }
    return mine;
  };
  const perTarget: ExtractionRun[][] = [];
  if (options.offThread) {
    // Side by side, the first failure stops the other policies' fits (their threads terminated).
    const stop = new AbortController();
    const stopOthers = (error: unknown) => {
      stop.abort();
      throw error;
    };
    perTarget.push(...(await Promise.all(options.targets.map((target, index) => runsOf(target, index, stop.signal).catch(stopOthers)))));
  } else for (const [index, target] of options.targets.entries()) perTarget.push(await runsOf(target, index));
  for (const [index, target] of options.targets.entries()) {
    const policy = formatPolicy(target.info.policy);
    const mine = perTarget[index];
    runs.push(...mine);
    const judged = mine.filter((run) => run.agreement);
    if (judged.length === 0) continue;
    const good = judged.filter((run) => run.agreement!.agreement >= EXTRACTION_THRESHOLDS.high).sort((a, b) => a.record!.queries - b.record!.queries);
    const best = good[0] ?? judged.sort((a, b) => b.agreement!.agreement - a.agreement!.agreement)[0];
    results.push({ policy, attack: best.attack, agreement: best.agreement!.agreement, queries: best.record!.queries, cost: best.record!.cost });
  }
  return { runs, results };
}

async function runPlan(plan: ExtractionPlan, target: Oracle, policy: string, options: ExtractionAuditOptions, signal?: AbortSignal): Promise<ExtractionRun> {
  const attack = EXTRACTION_ATTACKS[plan.attack];
  let record: AttackRecord<unknown>;
  try {
    record = await runAttack(attack, target, { params: plan.params, seed: options.seed, progress: options.progress, pool: plan.attack === 'mlp-retraining' ? options.pool : undefined, offThread: options.offThread, signal });
  } catch (error) {
    // An attack that does not fit this target (a capability or parameter refusal) is recorded, not fatal.
    if (!hasCode(error, 'capability') && !hasCode(error, 'validation')) throw error;
    return { policy, attack: attack.name, checkQueries: 0, refused: error instanceof Error ? error.message : String(error) };
  }
  const surrogate = (record.outcome as { surrogate?: Classifier } | undefined)?.surrogate;
  const { outcome: _outcome, ...kept } = record;
  if (!surrogate) return { policy, attack: attack.name, record: kept, checkQueries: 0, refused: `no copy: ${record.stopped ?? record.status}` };
  if (options.model && options.model.task === 'classification') return { policy, attack: attack.name, record: kept, agreement: agreementOn(options.model, surrogate, options.rows), checkQueries: 0 };
  const counted = new CountingOracle(target);
  const agreement = await oracleAgreement(counted, surrogate, options.rows);
  return { policy, attack: attack.name, record: kept, agreement, checkQueries: counted.queries };
}
