/**
 * How well an attribute inversion did (Fredrikson et al. 2015, Table 1): accuracy over targets,
 * and precision and recall of one "positive" level (the sensitive answer: "Yes" to infidelity).
 */

/** Accuracy, precision and recall of guesses against the truth (targets with a missing truth skipped). */
export interface InversionScore {
  targets: number;
  accuracy: number;
  /** Of the targets guessed positive, the share that are (NaN when none was guessed positive). */
  precision: number;
  /** Of the positive targets, the share guessed positive. */
  recall: number;
  /** Targets guessed positive. */
  guessedPositive: number;
}

/** Scores guesses; `positive` is the level index counted by precision and recall. */
export function inversionScore(guesses: ArrayLike<number>, truth: ArrayLike<number>, positive: number): InversionScore {
  let targets = 0;
  let correct = 0;
  let guessedPositive = 0;
  let truePositive = 0;
  let actualPositive = 0;
  for (let i = 0; i < guesses.length; i++) {
    if (truth[i] < 0) continue;
    targets += 1;
    if (guesses[i] === truth[i]) correct += 1;
    if (guesses[i] === positive) guessedPositive += 1;
    if (truth[i] === positive) actualPositive += 1;
    if (guesses[i] === positive && truth[i] === positive) truePositive += 1;
  }
  return {
    targets,
    accuracy: targets ? correct / targets : Number.NaN,
    precision: guessedPositive ? truePositive / guessedPositive : Number.NaN,
    recall: actualPositive ? truePositive / actualPositive : Number.NaN,
    guessedPositive,
  };
}

/**
 * The two baselines of the paper: always guess the most probable level of the prior
 * ("majority"), and guess at random by the prior ("prior", expected values).
 */
export function baselineScores(prior: ArrayLike<number>, truth: ArrayLike<number>, positive: number): { majority: InversionScore; prior: InversionScore } {
  let best = 0;
  for (let k = 1; k < prior.length; k++) if (prior[k] > prior[best]) best = k;
  const majority = inversionScore(Array.from(truth, () => best), truth, positive);
  let targets = 0;
  let expectedCorrect = 0;
  let actualPositive = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] < 0) continue;
    targets += 1;
    expectedCorrect += prior[truth[i]];
    if (truth[i] === positive) actualPositive += 1;
  }
  const random: InversionScore = {
    targets,
    accuracy: targets ? expectedCorrect / targets : Number.NaN,
    precision: targets ? actualPositive / targets : Number.NaN,
    recall: prior[positive],
    guessedPositive: targets * prior[positive],
  };
  return { majority, prior: random };
}
