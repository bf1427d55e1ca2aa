/** Runs any attack the same way: validate, wrap the oracle, time, record (see types.ts). */

import { hasCode } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Model } from '../models/types.ts';
import { BudgetOracle, CountingOracle, requireReveals } from '../oracle/decorators.ts';
import type { Oracle } from '../oracle/types.ts';
import { resolveParams, type ParamSpecs } from '../models/params.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import type { Attack, AttackRecord } from './types.ts';

/** Options of a run. */
export interface RunOptions {
  params?: Record<string, unknown>;
  seed: number;
  /** Rows the attack may query at most. */
  budget?: number;
  progress?: Progress;
  /** The attacker's own unlabelled rows (attacks that use a pool). */
  pool?: Matrix;
  checkpoint?: (surrogate: Model) => void;
  /** Long fits on a worker thread of their own (`AttackContext.offThread`), stopped by `signal`. */
  offThread?: boolean;
  signal?: AbortSignal;
}

/** Runs `attack` against `target`. */
export async function runAttack<S extends ParamSpecs, O>(attack: Attack<S, O>, target: Oracle, options: RunOptions): Promise<AttackRecord<O>> {
  const params = resolveParams(attack.name, attack.params, options.params ?? {}, 'attack');
  requireReveals(target, attack.needs, attack.name);
  const counted = new CountingOracle(target);
  const oracle = options.budget === undefined ? counted : new BudgetOracle(counted, options.budget);
  const started = performance.now();
  let outcome: O | undefined;
  let status: AttackRecord<O>['status'] = 'completed';
  let stopped: string | undefined;
  try {
    outcome = await attack.run({ oracle, rng: new Rng(options.seed), progress: options.progress ?? silentProgress, pool: options.pool, checkpoint: options.checkpoint, offThread: options.offThread, signal: options.signal }, params);
  } catch (error) {
    // A local BudgetOracle and a server's 429 both carry the code; a server refusing the key (its extraction monitor) answers 403.
    if (hasCode(error, 'budget-exceeded')) status = 'budget-exhausted';
    else if (hasCode(error, 'forbidden')) status = 'refused';
    else throw error;
    stopped = (error as Error).message;
  }
  const record = attackRecord(attack, attack.family, params, target, options.seed, status, counted, started, outcome);
  return stopped ? { ...record, stopped } : record;
}

/** The record of a finished run, shared by every family's runner. */
export function attackRecord<O>(
  attack: { name: string; reference: string },
  family: AttackRecord<O>['family'],
  params: Record<string, unknown>,
  target: Oracle,
  seed: number,
  status: AttackRecord<O>['status'],
  counted: CountingOracle,
  started: number,
  outcome: O | undefined,
): AttackRecord<O> {
  return {
    attack: attack.name,
    family,
    reference: attack.reference,
    params: { ...params },
    reveals: target.info.reveals,
    policy: target.info.policy,
    seed,
    status,
    queries: counted.queries,
    requests: counted.requests,
    cost: counted.cost,
    seconds: (performance.now() - started) / 1000,
    outcome,
  };
}
