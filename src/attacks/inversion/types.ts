/** What an attribute-inversion attack returns (Fredrikson et al. 2014, 2015). */

/** The posterior over the sensitive feature's levels for each target, and the guess (its argmax). */
export interface AttributeInversionOutcome {
  feature: string;
  levels: string[];
  /** One row per target: probability of each level. */
  posteriors: number[][];
  /** Index of the most probable level per target. */
  guesses: number[];
}

/** Normalises scores to a posterior; all-zero scores fall back to the prior. */
export function posteriorOf(scores: Float64Array, prior: Float64Array): number[] {
  let total = 0;
  for (const score of scores) total += score;
  const source = total > 0 && Number.isFinite(total) ? scores : prior;
  const sum = total > 0 && Number.isFinite(total) ? total : prior.reduce((a, b) => a + b, 0);
  return Array.from(source, (score) => score / sum);
}

/** Index of the largest value (the first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
