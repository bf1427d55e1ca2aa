/**
 * The evaluation split of the membership issue: a seeded shuffle of a data set into the
 * target's members, as many held-out non-members, and the attacker's population (disjoint from
 * both). The candidates are members then non-members, with the truth beside them.
 */

import { concatRows, subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import { Rng } from '../../random.ts';

/** Members, non-members, population, and the candidate pool with its truth. */
export interface MembershipSplit {
  members: ClassificationDataset;
  nonMembers: ClassificationDataset;
  population: ClassificationDataset;
  candidates: ClassificationDataset;
  truth: boolean[];
}

/** Splits `data`: `members` rows, as many non-members, up to `population` rows for the attacker. */
export function membershipSplit(data: ClassificationDataset, sizes: { members: number; population: number }, seed: number): MembershipSplit {
  const rows = data.features.rows;
  if (2 * sizes.members + 2 > rows) {
    throw new ValidationError('data set too small for a membership evaluation', [{ path: 'members', message: `${sizes.members} members and as many non-members need more than ${rows} rows` }]);
  }
  const order = new Rng(seed).permutation(rows);
  const members = subsetRows(data, order.slice(0, sizes.members));
  const nonMembers = subsetRows(data, order.slice(sizes.members, 2 * sizes.members));
  const population = subsetRows(data, order.slice(2 * sizes.members, Math.min(rows, 2 * sizes.members + sizes.population)));
  return {
    members,
    nonMembers,
    population,
    candidates: concatRows(members, nonMembers),
    truth: [...new Array<boolean>(sizes.members).fill(true), ...new Array<boolean>(sizes.members).fill(false)],
  };
}

/** Rows judged from a model's own training split (indices into one data set). */
export interface JudgedSplit {
  /** Judged members (training rows), then as many non-members (held-out rows). */
  order: number[];
  /** Members judged (= non-members judged). */
  count: number;
  /** The held-out rows left to the attacker as its population. */
  population: number[];
}

/**
 * From a model's training split: as many members (drawn from the training rows) as non-members
 * (half the held-out rows, shuffled); the other half of the held-out rows is the attacker's
 * population. Used wherever a model's true split is known (a threatlab model file's provenance,
 * a server training job).
 */
export function judgedFromSplit(train: ArrayLike<number>, test: ArrayLike<number>, seed: number): JudgedSplit {
  const heldOut = new Rng(seed + 1).shuffle(Array.from(test));
  const count = Math.min(train.length, Math.floor(heldOut.length / 2));
  const members = new Rng(seed + 2).shuffle(Array.from(train)).slice(0, count);
  return { order: [...members, ...heldOut.slice(0, count)], count, population: heldOut.slice(count) };
}
