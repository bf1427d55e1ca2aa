/**
 * Attribute inversion in an audit (Fredrikson et al., USENIX Security 2014): for each sensitive
 * column the user names, the MAP estimator recovers it for each person from their other features,
 * their label and the model's answers, and is compared with always guessing the commonest value.
 * The estimator reads only the predicted label, so no output policy changes its result: it runs
 * once, under the policy the model is published with.
 */

import { mapInversion, measureErrorModel } from '../attacks/inversion/map-estimator.ts';
import { categoricalFeature, marginalPrior, trueLevels } from '../attacks/inversion/sensitive.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { baselineScores, inversionScore, type InversionScore } from '../metrics/inversion.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import type { Oracle } from '../oracle/types.ts';
import type { Progress } from '../progress.ts';
import type { InversionResult } from './verdicts.ts';

/** One sensitive column's inversion, with the scores behind the verdict. */
export interface InversionRun extends InversionResult {
  positive: string;
  score: InversionScore;
  baselines: { majority: InversionScore; prior: InversionScore };
}

/** Inverts each sensitive column of `people` (labelled rows in the model's feature space). */
export async function auditInversion(target: Oracle, people: ClassificationDataset, features: string[], progress: Progress, stageDone?: () => void): Promise<InversionRun[]> {
  const runs: InversionRun[] = [];
  progress.start('inverting sensitive columns', features.length);
  for (const name of features) {
    const sensitive = categoricalFeature(people.schema, name);
    const prior = marginalPrior(people, sensitive);
    const counted = new CountingOracle(target);
    const error = await measureErrorModel(counted, people.features, people.labels);
    const outcome = await mapInversion(counted, { rows: people.features, observed: people.labels, sensitive: { feature: sensitive, prior }, error });
    const truth = trueLevels(people, sensitive);
    const positive = Math.max(0, sensitive.levels.findIndex((level) => /^yes$/i.test(level)));
    const score = inversionScore(outcome.guesses, truth, positive);
    const baselines = baselineScores(prior, truth, positive);
    runs.push({
      feature: sensitive.name,
      attack: 'map',
      people: people.features.rows,
      accuracy: score.accuracy,
      baseline: baselines.majority.accuracy,
      queries: counted.queries,
      positive: sensitive.levels[positive],
      score,
      baselines,
    });
    progress.tick();
    stageDone?.();
  }
  progress.done();
  return runs;
}
