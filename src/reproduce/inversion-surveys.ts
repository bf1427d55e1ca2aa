/**
 * Survey and genotype rows of `threatlab reproduce inversion`: Fredrikson et al. (CCS 2015,
 * §5.1 and §7) on the FiveThirtyEight steak survey and the GSS, and Fredrikson et al. (USENIX
 * Security 2014) on the IWPC warfarin dose model. Each model is trained on a seeded half of the
 * data (the members); the other half are non-members. The attacker knows a person's other
 * answers and the model's output for them (the label in the training data), and the marginal
 * prior of the sensitive answer.
 */

import { subsetRows, type ClassificationDataset, type Dataset, type RegressionDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { GSS_SENSITIVE } from '../data/datasets/gss.ts';
import { STEAK_SENSITIVE } from '../data/datasets/steak.ts';
import { splitIndices } from '../data/split.ts';
import { mapInversion } from '../attacks/inversion/map-estimator.ts';
import { categoricalFeature, marginalPrior, trueLevels, type SensitiveFeature } from '../attacks/inversion/sensitive.ts';
import { treeWhiteBoxInversion } from '../attacks/inversion/tree-white-box.ts';
import { confusionCounts, labelErrorModel } from '../metrics/confusion.ts';
import { baselineScores, inversionScore, type InversionScore } from '../metrics/inversion.ts';
import { accuracy } from '../metrics/score.ts';
import { LinearRegressionTrainer } from '../models/linear/linear-regression.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { Rng } from '../random.ts';

/** One row of the inversion table: the paper's figures beside ours. */
export interface InversionRow {
  name: string;
  paper: Record<string, number | string>;
  ours?: Record<string, number | string>;
  note?: string;
}

function halves<T extends Dataset>(data: T, seed: number): { members: T; nonMembers: T } {
  const split = splitIndices(data, { testFraction: 0.5, rng: new Rng(seed), stratify: data.task === 'classification' });
  return { members: subsetRows(data, split.train), nonMembers: subsetRows(data, split.test) };
}

function scoreFields(prefix: string, score: InversionScore): Record<string, number> {
  return { [`${prefix}Accuracy`]: score.accuracy, [`${prefix}Precision`]: score.precision, [`${prefix}Recall`]: score.recall };
}

const missing = (name: string, dataset: string): InversionRow => ({ name, paper: {}, note: `skipped: data set ${dataset} not found (restore data/ or set THREATLAB_DATA)` });

/** Steak survey or GSS: black-box MAP and white-box tree inversion, members vs non-members. */
async function surveyRows(dataset: string, sensitiveName: string, paper: { blackBox: InversionRow['paper']; whiteBox: InversionRow['paper'] }, seed: number): Promise<InversionRow[]> {
  const title = dataset === 'steak-eaters' ? 'steak survey' : 'GSS';
  if (!isAvailable(findDataset(dataset))) return [missing(`${title}: tree inversion`, dataset)];
  const data = loadDataset(dataset) as ClassificationDataset;
  const { members, nonMembers } = halves(data, seed);
  const tree = new DecisionTreeTrainer({}).fitSync(members);
  const sensitive = categoricalFeature(data.schema, sensitiveName);
  const prior = marginalPrior(members, sensitive);
  const positive = sensitive.levels.findIndex((level) => /^yes$/i.test(level));
  const error = labelErrorModel(confusionCounts(tree, members));
  const rows: InversionRow[] = [];
  for (const method of ['black-box MAP', 'white-box with counts'] as const) {
    const ours: Record<string, number | string> = { treeLeaves: tree.leafCount };
    let queries = 0;
    for (const [prefix, part] of [['members', members], ['nonMembers', nonMembers]] as const) {
      const truth = trueLevels(part, sensitive);
      const oracle = new CountingOracle(new LocalOracle(tree));
      const outcome =
        method === 'black-box MAP'
          ? await mapInversion(oracle, { rows: part.features, observed: part.labels, sensitive: { feature: sensitive, prior }, error: { kind: 'confusion', matrix: error } })
          : treeWhiteBoxInversion(tree, { rows: part.features, observed: part.labels, sensitive, prior });
      queries += oracle.queries;
      Object.assign(ours, scoreFields(prefix, inversionScore(outcome.guesses, truth, positive)));
      if (prefix === 'members') Object.assign(ours, { baselineMajorityAccuracy: baselineScores(prior, truth, positive).majority.accuracy });
    }
    ours.queries = queries;
    rows.push({
      name: `${title}: ${method} ("${sensitive.name}" = ${sensitive.levels[positive]})`,
      paper: method === 'black-box MAP' ? paper.blackBox : paper.whiteBox,
      ours,
      note: 'precision and recall are of the sensitive answer; the paper trained on the whole survey (all members)',
    });
  }
  return rows;
}

/** §7: the sensitive feature forced to one depth — model accuracy vs inversion, per depth. */
async function sensitiveDepthRows(depths: number[], seed: number): Promise<InversionRow[]> {
  if (!isAvailable(findDataset('steak-eaters'))) return [missing('steak survey: sensitive-feature-aware tree', 'steak-eaters')];
  const data = loadDataset('steak-eaters') as ClassificationDataset;
  const { members, nonMembers } = halves(data, seed);
  const sensitive = categoricalFeature(data.schema, STEAK_SENSITIVE);
  const prior = marginalPrior(members, sensitive);
  const positive = sensitive.levels.findIndex((level) => /^yes$/i.test(level));
  const truth = trueLevels(members, sensitive);
  return [undefined, ...depths].map((depth) => {
    const tree = new DecisionTreeTrainer(depth === undefined ? {} : { sensitiveFeature: sensitive.columns.start, sensitiveDepth: depth }).fitSync(members);
    const score = inversionScore(treeWhiteBoxInversion(tree, { rows: members.features, observed: members.labels, sensitive, prior }).guesses, truth, positive);
    return {
      name: depth === undefined ? 'steak survey: unconstrained tree (reference for the depth rows)' : `steak survey: sensitive feature split at depth ${depth}`,
      paper: { finding: 'near the top or the bottom: little accuracy lost, inversion near baseline' },
      ours: { modelAccuracyNonMembers: accuracy(tree, nonMembers), membersInversionAccuracy: score.accuracy, membersPrecision: score.precision, membersRecall: score.recall },
    };
  });
}

/** Warfarin: VKORC1 and CYP2C9 from the linear dose model, each marginalising the other. */
async function warfarinRows(seed: number): Promise<InversionRow[]> {
  if (!isAvailable(findDataset('warfarin'))) return [missing('warfarin: genotype inversion', 'warfarin')];
  const data = loadDataset('warfarin') as RegressionDataset;
  const { members, nonMembers } = halves(data, seed);
  const model = await new LinearRegressionTrainer({}).fit(members, new Rng(seed));
  const vkorc1 = categoricalFeature(data.schema, 'vkorc1');
  const cyp2c9 = categoricalFeature(data.schema, 'cyp2c9');
  const rows: InversionRow[] = [];
  for (const [sensitive, other] of [[vkorc1, cyp2c9], [cyp2c9, vkorc1]] as [SensitiveFeature, SensitiveFeature][]) {
    const ours: Record<string, number | string> = { doseModelRmse: model.trainingRmse };
    for (const [prefix, part] of [['members', members], ['nonMembers', nonMembers]] as const) {
      const truth = trueLevels(part, sensitive);
      const prior = marginalPrior(members, sensitive);
      const outcome = await mapInversion(new LocalOracle(model), {
        rows: part.features,
        observed: part.targets,
        sensitive: { feature: sensitive, prior },
        marginalize: [{ feature: other, prior: marginalPrior(members, other) }],
        error: { kind: 'gaussian', sigma: model.trainingRmse },
      });
      ours[`${prefix}Accuracy`] = inversionScore(outcome.guesses, truth, 0).accuracy;
      ours[`${prefix}BaselineMajority`] = baselineScores(prior, truth, 0).majority.accuracy;
    }
    rows.push({
      name: `warfarin: ${sensitive.name.toUpperCase()} from the linear dose model (${other.name.toUpperCase()} summed out)`,
      paper: { finding: sensitive === vkorc1 ? 'VKORC1 predicted well above the prior baseline' : 'CYP2C9 close to the prior baseline' },
      ours,
      note: 'IWPC scaled subset (Yeom et al.), half the patients as members',
    });
  }
  return rows;
}

/** All survey and genotype rows. */
export async function surveyInversionRows(options: { quick: boolean; seed: number }): Promise<InversionRow[]> {
  const { seed } = options;
  const rows = [
    ...(await surveyRows(
      'steak-eaters',
      STEAK_SENSITIVE,
      { blackBox: { accuracy: 0.858, precision: 0.857 }, whiteBox: { membersPrecision: 1.0, nonMembersPrecision: '< 0.20' } },
      seed,
    )),
    ...(await sensitiveDepthRows(options.quick ? [0, 4] : [0, 1, 2, 3, 4, 6, 8], seed)),
    ...(await warfarinRows(seed)),
  ];
  if (!options.quick) rows.push(...(await surveyRows('gss-tree', GSS_SENSITIVE, { blackBox: {}, whiteBox: { finding: "members' precision well above non-members'" } }, seed)));
  return rows;
}
