/**
 * The membership-inference contract. An attack gets the target oracle, the candidate records
 * whose membership it judges (features and true labels), the attacker's own population data
 * (same distribution, disjoint from the target's), and the target's training recipe (for
 * shadow and reference models, trained on worker threads). It returns one score per candidate:
 * higher means "member". It never sees who is a member; the runner scores it afterwards.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import type { ParamSpecs, ParamValues } from '../../models/params.ts';
import type { Oracle, Reveals } from '../../oracle/types.ts';
import type { TrainerSpec, TrainingService } from '../../parallel/training-service.ts';
import type { Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';

/** What the attacker holds besides the oracle. */
export interface MembershipProblem {
  /** The records to judge, with their true labels. */
  candidates: ClassificationDataset;
  /** The attacker's own data from the same distribution. */
  population: ClassificationDataset;
  /** How the target was trained (shadow models copy it). */
  trainer: TrainerSpec;
  /** Rows the target trained on (shadow models train on as many). */
  trainSize: number;
}

/** What `run` receives. */
export interface MembershipContext {
  oracle: Oracle;
  problem: MembershipProblem;
  pool: TrainingService;
  rng: Rng;
  progress: Progress;
}

/** Scores per candidate, and what the attack built. */
export interface MembershipScores {
  scores: Float64Array;
  /** Shadow or reference models trained. */
  models: number;
  /** A decision threshold the attacker chose on its own data, when the method has one. */
  threshold?: number;
}

/** A membership attack. */
export interface MembershipAttack<S extends ParamSpecs = ParamSpecs> {
  name: string;
  reference: string;
  needs: Reveals[];
  params: S;
  run(context: MembershipContext, params: ParamValues<S>): Promise<MembershipScores>;
}
