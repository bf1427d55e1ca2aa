/**
 * The attack contract (DESIGN.md, after foolbox 3): an attack declares what it needs from the
 * oracle and its typed, defaulted parameters, and implements only `run`. The runner
 * (runner.ts) validates parameters, wraps the oracle in the counting and budget decorators,
 * times the run, turns an exhausted budget into a status, and returns a JSON-serialisable record.
 * Attacks never print, count or time themselves.
 */

import type { Matrix } from '../math/matrix.ts';
import type { Model } from '../models/types.ts';
import type { Oracle, OutputPolicy, Reveals } from '../oracle/types.ts';
import type { ParamSpecs, ParamValues } from '../models/params.ts';
import type { Progress } from '../progress.ts';
import type { Rng } from '../random.ts';

/** The five threats. */
export type AttackFamily = 'extraction' | 'inversion' | 'exfiltration' | 'evasion' | 'membership';

/** How a run ended. */
/** How a run ended: `refused` when the target stopped answering (a server's extraction monitor, 403). */
export type AttackStatus = 'completed' | 'budget-exhausted' | 'refused';

/** What `run` receives. */
export interface AttackContext {
  /** The target, already counted and budgeted by the runner. */
  oracle: Oracle;
  rng: Rng;
  progress: Progress;
  /** The attacker's own unlabelled rows, encoded like the target's inputs (Papernot et al. 2017; Orekondy et al. 2019). */
  pool?: Matrix;
  /** Receives the best surrogate so far during a long fit, so a stopped run leaves it behind. */
  checkpoint?: (surrogate: Model) => void;
  /** Run long fits on a worker thread of their own (mlp-retraining's), leaving this thread free for other work. */
  offThread?: boolean;
  /** Stops such a fit: its thread is terminated and the run fails with `cancelled`. */
  signal?: AbortSignal;
}

/** An attack: its declaration and its run. */
export interface Attack<S extends ParamSpecs, O> {
  name: string;
  family: AttackFamily;
  /** The answer kinds the attack can work from. */
  needs: Reveals[];
  /** The paper it implements. */
  reference: string;
  params: S;
  run(context: AttackContext, params: ParamValues<S>): Promise<O>;
}

/** The typed record of one run. */
export interface AttackRecord<O> {
  attack: string;
  family: AttackFamily;
  reference: string;
  params: Record<string, unknown>;
  reveals: Reveals;
  policy: OutputPolicy;
  seed: number;
  status: AttackStatus;
  /** Rows queried. */
  queries: number;
  requests: number;
  /** At the oracle's price per query. */
  cost: number;
  seconds: number;
  /** Why a run stopped early (the budget refusal), when it did. */
  stopped?: string;
  outcome?: O;
}
