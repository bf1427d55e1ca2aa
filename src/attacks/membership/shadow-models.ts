/**
 * Shadow-model attack (Shokri, Stronati, Song, Shmatikov, S&P 2017): k shadow models trained
 * like the target on the attacker's data; their answers on their own training rows ("in") and
 * on rows they never saw ("out") train one attack model per class — as the paper does; many
 * toolkits keep only one — a logistic regression on the log-probability vector. A class with
 * too few attack examples falls back to a model over all classes. The attack model is a logistic
 * regression on the log-probability vector, or a random forest of our CART trees
 * (`attackModel=forest`), which Shokri et al.'s and later toolkits' results favour.
 */

import { classificationDataset } from '../../data/dataset.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { fitForest } from '../../models/tree/forest.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { Classifier } from '../../models/types.ts';
import { Rng } from '../../random.ts';
import { subsetRows } from '../../data/dataset.ts';
import { publishedRows, probabilityRows } from './signals.ts';
import { answerShadows, planShadows, shadowSplit } from './shadow-data.ts';
import type { MembershipAttack } from './types.ts';

/** Parameters of the shadow-model attack. */
export const SHADOW_PARAMS = {
  shadows: { type: 'number', default: 8, min: 1, integer: true, doc: 'shadow models k' },
  minPerClass: { type: 'number', default: 20, min: 2, integer: true, doc: 'attack examples a class needs for its own attack model' },
  attackModel: { type: 'choice', values: ['logistic', 'forest'] as const, default: 'logistic', doc: 'the attack model on the log-probabilities: logistic regression, or a random forest of 50 CART trees' },
} satisfies ParamSpecs;

/** Log-probabilities, clipped, as attack features. */
function features(rows: number[][]): number[][] {
  return rows.map((row) => row.map((p) => Math.max(Math.log(p + 1e-30), -30)));
}

async function fitAttackModel(rows: number[][], inside: boolean[], seed: number, kind: 'logistic' | 'forest'): Promise<Pick<Classifier, 'predictProba'> | undefined> {
  if (!inside.includes(true) || !inside.includes(false)) return undefined;
  const cols = rows[0].length;
  const data = classificationDataset({
    name: 'attack',
    features: createMatrix(rows.length, cols, Float64Array.from(rows.flat())),
    labels: Int32Array.from(inside, (member) => (member ? 1 : 0)),
    classes: ['out', 'in'],
    schema: uniformNumericSchema(cols, 'logp', -30, 0),
    targetName: 'member',
  });
  if (kind === 'forest') return fitForest(data, new Rng(seed));
  return new LinearClassifierTrainer('logistic', { l2: 1e-3, standardizeUnitInputs: true }).fit(data, new Rng(seed));
}

/** The shadow-model attack. */
export const shadowModelAttack: MembershipAttack<typeof SHADOW_PARAMS> = {
  name: 'shadow-models',
  reference: 'Shokri et al., S&P 2017',
  needs: ['scores', 'top-k', 'leaf'],
  params: SHADOW_PARAMS,
  async run(context, params) {
    const { oracle, problem, rng } = context;
    const { candidates, population } = problem;
    const classes = candidates.classes.length;
    const splits = Array.from({ length: params.shadows }, () => shadowSplit(population, problem.trainSize, rng));
    // Each shadow answers on its own training rows (0) and on as many it never saw (1) where it is trained.
    const parts = splits.map((split) => [subsetRows(population, split.inside), subsetRows(population, split.outside)]);
    const answers = await answerShadows(context, 'shadow models', planShadows(context, params.shadows, (i) => splits[i].train), (i) => parts[i]);
    // Attack training data per class.
    const perClass = Array.from({ length: classes }, () => ({ rows: [] as number[][], inside: [] as boolean[] }));
    const all = { rows: [] as number[][], inside: [] as boolean[] };
    answers.forEach((answer, s) => {
      for (const [member, set] of [[true, 0], [false, 1]] as const) {
        const part = parts[s][set];
        const rows = features(publishedRows(answer[set], oracle.info.policy));
        rows.forEach((row, i) => {
          perClass[part.labels[i]].rows.push(row);
          perClass[part.labels[i]].inside.push(member);
          all.rows.push(row);
          all.inside.push(member);
        });
      }
    });
    const global = await fitAttackModel(all.rows, all.inside, rng.nextUint32(), params.attackModel);
    const models = await Promise.all(
      perClass.map((data) => (data.rows.length >= params.minPerClass ? fitAttackModel(data.rows, data.inside, rng.nextUint32(), params.attackModel) : Promise.resolve(undefined))),
    );
    const target = features(probabilityRows(await oracle.query(candidates.features), classes));
    const scores = Float64Array.from(target, (row, i) => {
      const model = models[candidates.labels[i]] ?? global;
      return model ? model.predictProba(createMatrix(1, row.length, Float64Array.from(row))).data[1] : 0.5;
    });
    return { scores, models: params.shadows };
  },
};
