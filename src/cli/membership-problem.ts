/**
 * Who the membership command judges, and on what data the attacker trains: members and
 * non-members the user names (CSV files in the model's raw features plus the label), with the
 * attacker's own population; or, for a model `threatlab train` made, the exact split it trained
 * on, rebuilt from the provenance in its file with the same split function. Anything else is
 * refused: judging rows that are not the model's members gives a wrong answer that looks right.
 */

import { judgedFromSplit } from '../attacks/membership/membership-split.ts';
import { subsetRows, type ClassificationDataset, concatRows } from '../data/dataset.ts';
import { loadDataset } from '../data/datasets/registry.ts';
import { loadCsv } from '../data/loaders/csv.ts';
import { encodeForModel, labelColumn, loadUserRows, rowSources, type ModelSpace } from '../data/model-rows.ts';
import { defaultSplit } from '../data/split.ts';
import { filterRows, type Table } from '../data/table.ts';
import { userTableSplit } from '../data/user-data.ts';
import { ThreatlabError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { fileSha256, trainingSplitRngs, type TrainingProvenance } from '../models/provenance.ts';
import { isUserCsv } from './commands/train.ts';

/** The files and names the command was given. */
export interface MembershipDataOptions {
  dataset?: string;
  members?: string;
  nonMembers?: string;
  candidates?: string;
  memberColumn?: string;
  population?: string;
  target?: string;
  trainSize?: number;
  /** Reports parsing of large CSVs. */
  progress?: Progress;
}

/** Candidates with the truth, where each came from, the attacker's population, and how the split was chosen. */
export interface MembershipData {
  candidates: ClassificationDataset;
  members: boolean[];
  sources: string[];
  population: ClassificationDataset;
  trainSize: number;
  /** One sentence: whose members these are. */
  assumption: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'member', 'in']);
const FALSE = new Set(['0', 'false', 'no', 'non-member', 'out']);

function labelled(table: Table, space: ModelSpace, target: string | undefined, ignore: string[] = []): ClassificationDataset {
  const label = labelColumn(table, space, target, ignore);
  return encodeForModel(table, space, label);
}

/** Members, non-members and population from the user's files. */
function fromFiles(options: MembershipDataOptions, space: ModelSpace): MembershipData {
  if (!options.population) {
    throw new ThreatlabError('usage', "membership attacks calibrate on the attacker's own data: give --population FILE (rows from the same distribution that are not candidates)");
  }
  let members: ClassificationDataset;
  let nonMembers: ClassificationDataset;
  let sources: string[];
  if (options.candidates) {
    if (!options.memberColumn) throw new ThreatlabError('usage', '--candidates FILE needs --member-column COLUMN (1/true/yes for a member, 0/false/no for a non-member)');
    const table = loadUserRows(options.candidates, options.progress);
    const column = table.columns.indexOf(options.memberColumn);
    if (column < 0) throw new ThreatlabError('not-found', `${options.candidates}: no column "${options.memberColumn}"`);
    table.rows.forEach((row, i) => {
      const value = row[column]?.toLowerCase();
      if (value === undefined || (!TRUE.has(value) && !FALSE.has(value))) throw new ThreatlabError('validation', `${options.candidates}:${table.lines[i]}: "${options.memberColumn}" is "${row[column] ?? ''}"; write 1 or 0`);
    });
    const part = (member: boolean) => filterRows(table, (row) => TRUE.has(row[column]!.toLowerCase()) === member);
    const [inside, outside] = [part(true), part(false)];
    const drop = (t: Table) => ({ ...t, columns: t.columns.filter((c) => c !== options.memberColumn), rows: t.rows.map((row) => row.filter((_, j) => j !== column)) });
    members = labelled(drop(inside), space, options.target);
    nonMembers = labelled(drop(outside), space, options.target);
    sources = [...rowSources(inside), ...rowSources(outside)];
  } else {
    if (!options.members || !options.nonMembers) throw new ThreatlabError('usage', 'give both --members FILE and --non-members FILE (or --candidates FILE --member-column COLUMN)');
    const [inside, outside] = [loadUserRows(options.members, options.progress), loadUserRows(options.nonMembers, options.progress)];
    members = labelled(inside, space, options.target);
    nonMembers = labelled(outside, space, options.target);
    sources = [...rowSources(inside), ...rowSources(outside)];
  }
  if (members.features.rows === 0 || nonMembers.features.rows === 0) throw new ThreatlabError('validation', 'membership needs at least one member and one non-member to judge');
  const population = labelled(loadUserRows(options.population, options.progress), space, options.target);
  return {
    candidates: concatRows(members, nonMembers),
    members: [...new Array<boolean>(members.features.rows).fill(true), ...new Array<boolean>(nonMembers.features.rows).fill(false)],
    sources,
    population,
    trainSize: options.trainSize ?? members.features.rows,
    assumption: `members: the ${members.features.rows} rows you named as members, non-members: the ${nonMembers.features.rows} you named as non-members; shadow data: ${population.features.rows} rows of ${options.population}`,
  };
}

/** Judged rows from a split: as many members (drawn from the training rows) as non-members (half the held-out rows); the other half is the population. */
function fromSplit(data: ClassificationDataset, train: ArrayLike<number>, test: ArrayLike<number>, sources: string[], seed: number, assumption: string, trainSize?: number): MembershipData {
  const { order, count, population } = judgedFromSplit(train, test, seed);
  if (count === 0) throw new ThreatlabError('validation', `the split leaves ${train.length} training and ${test.length} held-out rows: too few to judge membership`);
  return {
    candidates: subsetRows(data, order),
    members: order.map((_, i) => i < count),
    sources: order.map((i) => sources[i]),
    population: subsetRows(data, population),
    trainSize: trainSize ?? train.length,
    assumption: `${assumption}; judged ${count} members (training rows) and ${count} non-members (held-out rows); shadow data: the other ${population.length} held-out rows`,
  };
}

/** The split a model file says it was trained on, rebuilt; refused when the file says nothing or names other data. */
function fromProvenance(options: MembershipDataOptions, space: ModelSpace, training: TrainingProvenance | undefined, seed: number): MembershipData {
  const dataset = options.dataset!;
  if (!training) {
    throw new ThreatlabError(
      'validation',
      `the model does not say it was trained by threatlab train on "${dataset}", so its members are unknown; name them with --members FILE --non-members FILE --population FILE (a served model or one made elsewhere needs them too)`,
    );
  }
  const same = isUserCsv(dataset) ? training.sha256 !== undefined && training.sha256 === fileSha256(dataset) : training.dataset === dataset || training.dataset.startsWith(`${dataset}-`);
  if (!same) {
    throw new ThreatlabError('validation', `the model was trained by threatlab train on "${training.dataset}"${training.sha256 ? ` (SHA-256 ${training.sha256.slice(0, 12)}…)` : ''}, not on ${dataset}; give that data set, or name the members with --members and --non-members`);
  }
  const rngs = trainingSplitRngs(training.seed);
  const said = `members: the training split threatlab train used on ${training.dataset} (seed ${training.seed}, test fraction ${training.testFraction}, ${training.rows.train} training rows)`;
  if (isUserCsv(dataset)) {
    const table = loadCsv(dataset, { progress: options.progress });
    const split = userTableSplit(table, { target: training.target, task: 'classification', testFraction: training.testFraction, rng: rngs.split });
    // Held-out rows with a category the training rows lacked took the model's "(other)" level in training.
    const encoded = encodeForModel(table, space, training.target, table.source, { unseenAsOther: true });
    if (split.train.length !== training.rows.train) throw new ThreatlabError('internal', `rebuilt ${split.train.length} training rows, the model file says ${training.rows.train}`);
    return fromSplit(encoded, split.train, split.test, rowSources(table), seed, said, options.trainSize);
  }
  const data = loadDataset(training.dataset);
  if (data.task !== 'classification') throw new ThreatlabError('capability', `membership attacks judge classifiers; ${training.dataset} is a regression data set`);
  const split = defaultSplit(data, training.testFraction, rngs.split);
  if (split.train.length !== training.rows.train) throw new ThreatlabError('internal', `rebuilt ${split.train.length} training rows, the model file says ${training.rows.train}`);
  return fromSplit(data, split.train, split.test, Array.from({ length: data.features.rows }, (_, i) => `${training.dataset} row ${i}`), seed, said, options.trainSize);
}

/** Resolves what the membership command judges. */
export function membershipData(options: MembershipDataOptions, space: ModelSpace, training: TrainingProvenance | undefined, seed: number): MembershipData {
  const named = options.members || options.nonMembers || options.candidates;
  if (named) {
    if (options.dataset) throw new ThreatlabError('usage', '--dataset rebuilds the split of a model threatlab trained; with --members/--non-members/--candidates leave it out');
    return fromFiles(options, space);
  }
  if (!options.dataset) throw new ThreatlabError('usage', 'say who the members are: --members FILE --non-members FILE --population FILE, or --dataset NAME|FILE for a model threatlab train made from it');
  return fromProvenance(options, space, training, seed);
}
