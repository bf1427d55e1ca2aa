/**
 * DP-SGD beside objective perturbation (Chaudhuri et al. 2011) for binary logistic regression on
 * Adult income at the same ε: test accuracy, averaged over seeds, beside the exact model.
 * DP-SGD's guarantee is (ε, δ = 1e-5); objective perturbation's is pure ε.
 */

import { accuracy } from '../metrics/score.ts';
import { createTrainer } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { Rng } from '../random.ts';
import { reproductionData } from './extraction.ts';

/** One ε. */
export interface PrivateLogisticRow {
  epsilon: number;
  exact: number;
  dpSgd: number;
  objectivePerturbation: number;
  seeds: number;
}

/** The comparison; empty when Adult is missing. */
export async function privateLogisticRows(quick: boolean): Promise<PrivateLogisticRow[]> {
  const income = reproductionData('adult-income');
  if (!income) return [];
  const seeds = quick ? 1 : 3;
  const score = async (params: Record<string, unknown>, seed: number) => accuracy((await createTrainer('logistic', params).fit(income.train, new Rng(seed))) as Classifier, income.test);
  const exact = await score({ l2: 10 }, 0);
  const rows: PrivateLogisticRow[] = [];
  for (const epsilon of quick ? [1] : [0.1, 0.5, 1, 5]) {
    let [dpSgd, objective] = [0, 0];
    for (let seed = 0; seed < seeds; seed++) {
      dpSgd += (await score({ standardize: false, dpEpsilon: epsilon }, seed)) / seeds;
      objective += (await score({ l2: 10, dpEpsilon: epsilon, dpMethod: 'objective-perturbation' }, seed)) / seeds;
    }
    rows.push({ epsilon, exact, dpSgd, objectivePerturbation: objective, seeds });
  }
  return rows;
}
