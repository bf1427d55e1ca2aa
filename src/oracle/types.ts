/**
 * The oracle: what an attacker can query (DESIGN.md, "Contracts"). A model behind our HTTP API
 * and a model in this process are the same oracle to an attack. What an oracle reveals is part
 * of its answers' type: label-only answers are their own type, never a one-hot array, so an
 * attack that needs scores narrows the oracle first (`requireReveals`) and fails with a
 * capability error instead of mistaking labels for probabilities.
 */

import type { FeatureSchema } from '../data/schema.ts';
import type { Matrix } from '../math/matrix.ts';
import type { ModelKind } from '../models/types.ts';

/** Class probabilities (full, or rounded to the policy's decimals). */
export interface ScoresAnswer {
  kind: 'scores';
  label: number;
  probabilities: number[];
}

/** The k most probable classes with their probabilities, most probable first. */
export interface TopKAnswer {
  kind: 'top-k';
  label: number;
  top: { label: number; probability: number }[];
}

/** The predicted class only. */
export interface LabelAnswer {
  kind: 'label';
  label: number;
}

/**
 * A decision tree's answer as BigML's API gives it: the prediction, the class distribution and
 * confidence at the node where the row stopped, and the number of training rows there.
 */
export interface LeafAnswer {
  kind: 'leaf';
  label: number;
  probabilities: number[];
  confidence: number;
  count: number;
}

/** A regression model's prediction. */
export interface ValueAnswer {
  kind: 'value';
  value: number;
}

/** Any answer. */
export type Answer = ScoresAnswer | TopKAnswer | LabelAnswer | LeafAnswer | ValueAnswer;

/** What an oracle reveals: the kind of its answers. */
export type Reveals = Answer['kind'];

/** How a published model's answers are shaped. */
export type OutputPolicy = { kind: 'full' } | { kind: 'rounded'; decimals: number } | { kind: 'label-only' } | { kind: 'top-k'; k: number };

/** What an oracle tells about itself (what real services reveal in a model's info). */
export interface OracleInfo {
  /** The model's id on a server; undefined in-process. */
  modelId?: string;
  /** The model family, or `unknown` for an endpoint that does not say (declare it with --kind). */
  kind: ModelKind | 'unknown';
  task: 'classification' | 'regression';
  schema: FeatureSchema;
  /** Encoded columns per row. */
  inputSize: number;
  classes: string[];
  reveals: Reveals;
  policy: OutputPolicy;
  /** Price per queried row. */
  price: number;
  /** Whether rows may have missing (NaN) features: trees answer partial rows. */
  partialRows: boolean;
  /** A network's hidden layer widths and activation, when the model (or the service) reveals them. */
  architecture?: NetworkArchitecture;
}

/** The shape of a dense network's hidden layers. */
export interface NetworkArchitecture {
  hidden: number[];
  activation: string;
}

/** Something an attacker can query. One row is one query. */
export interface Oracle<A extends Answer = Answer> {
  readonly info: OracleInfo;
  /**
   * Answers each row (NaN marks a missing feature where `partialRows`). The rows are the caller's
   * and are read before the answer comes: an oracle keeps no reference to them (an attack writes
   * its next probes into the same memory: HopSkipJump).
   */
  query(rows: Matrix): Promise<A[]>;
}

/** Answer type for each `Reveals`. */
export type AnswerOf<R extends Reveals> = Extract<Answer, { kind: R }>;
