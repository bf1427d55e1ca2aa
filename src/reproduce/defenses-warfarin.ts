/**
 * Differential privacy against warfarin genotype inversion (Fredrikson et al., USENIX Security
 * 2014, §5): the dose model fitted with the functional mechanism at several ε, and for each the
 * dosing error on non-members (what the privacy costs patients) beside the MAP estimator's
 * VKORC1 accuracy on members (what it protects). Their finding: the ε small enough to bring
 * inversion near the prior baseline makes dosing markedly worse. Each ε is averaged over seeds,
 * the mechanism's noise being random.
 */

import { mapInversion } from '../attacks/inversion/map-estimator.ts';
import { categoricalFeature, marginalPrior, trueLevels } from '../attacks/inversion/sensitive.ts';
import { subsetRows, type RegressionDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { splitIndices } from '../data/split.ts';
import { baselineScores, inversionScore } from '../metrics/inversion.ts';
import { LinearRegressionTrainer, type LinearRegression } from '../models/linear/linear-regression.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** One ε of the curve. */
export interface WarfarinDpRow {
  /** Undefined: the exact least-squares model. */
  epsilon?: number;
  seeds: number;
  /** Dose RMSE on non-members (the dose is the data set's scaled target). */
  doseRmse: number;
  /** VKORC1 recovered from members by the MAP estimator. */
  vkorc1Accuracy: number;
  baseline: number;
}

function rmse(model: LinearRegression, data: RegressionDataset): number {
  const predicted = model.predictValues(data.features);
  let squares = 0;
  for (let i = 0; i < predicted.length; i++) squares += (predicted[i] - data.targets[i]) ** 2;
  return Math.sqrt(squares / predicted.length);
}

/** The curve; empty when the warfarin data is missing. */
export async function warfarinDpCurve(quick: boolean): Promise<WarfarinDpRow[]> {
  if (!isAvailable(findDataset('warfarin'))) return [];
  const data = loadDataset('warfarin') as RegressionDataset;
  const split = splitIndices(data, { testFraction: 0.5, rng: new Rng(REPRODUCTION_SEED), stratify: false });
  const [members, nonMembers] = [subsetRows(data, split.train), subsetRows(data, split.test)];
  const vkorc1 = categoricalFeature(data.schema, 'vkorc1');
  const cyp2c9 = categoricalFeature(data.schema, 'cyp2c9');
  const truth = trueLevels(members, vkorc1);
  const prior = marginalPrior(members, vkorc1);
  const baseline = baselineScores(prior, truth, 0).majority.accuracy;
  const rows: WarfarinDpRow[] = [];
  const seeds = quick ? 2 : 5;
  for (const epsilon of quick ? [undefined, 1, 100] : [undefined, 0.25, 1, 5, 20, 100]) {
    const runs = epsilon === undefined ? 1 : seeds;
    let [dose, accuracy] = [0, 0];
    for (let seed = 0; seed < runs; seed++) {
      const model = await new LinearRegressionTrainer(epsilon === undefined ? {} : { dpEpsilon: epsilon }).fit(members, new Rng(REPRODUCTION_SEED + seed));
      const outcome = await mapInversion(new LocalOracle(model), {
        rows: members.features,
        observed: members.targets,
        sensitive: { feature: vkorc1, prior },
        marginalize: [{ feature: cyp2c9, prior: marginalPrior(members, cyp2c9) }],
        error: { kind: 'gaussian', sigma: model.trainingRmse },
      });
      dose += rmse(model, nonMembers) / runs;
      accuracy += inversionScore(outcome.guesses, truth, 0).accuracy / runs;
    }
    rows.push({ epsilon, seeds: runs, doseRmse: dose, vkorc1Accuracy: accuracy, baseline });
  }
  return rows;
}
