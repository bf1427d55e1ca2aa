/**
 * White-box inversion of a decision tree with training counts — the "WBWC" estimator of
 * Fredrikson et al. (CCS 2015, §5.1) against BigML-style models, which publish every node's
 * training class counts. For a person with known features x_K, observed label y and unknown
 * sensitive level v:
 *
 *     score(v) = Σ_leaves ℓ compatible with (x_K, v)   w_ℓ · n_ℓ(y) · p(v) / p(S_ℓ)
 *
 * n_ℓ(y) is the number of training rows with label y at leaf ℓ, S_ℓ the set of sensitive levels
 * the path to ℓ admits (all levels when the path never tests the feature), so p(v)/p(S_ℓ) shares
 * a leaf's rows among the levels it admits by their prior, and w_ℓ the fraction of training rows
 * that went each way where the path tests a feature the attacker does not know. The score
 * estimates how many training rows look like the person with level v.
 *
 * Why precision on training-set members is near 100%: a member's own row is counted at the leaf
 * its true level reaches. Deep trees isolate rare combinations in leaves of one or two rows, so
 * for a member the leaf of the true level holds a row with label y — the member — while the
 * leaves of the other levels often hold none; the estimator then names the true level, and when
 * it names a rare level it is almost never wrong. A non-member has no row of their own in the
 * counts, and the estimator falls back on other people's rows: it rarely names the rare level,
 * and is often wrong when it does.
 */

import { ValidationError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { DecisionTree, TreeNode } from '../../models/tree/decision-tree.ts';
import { argmax, posteriorOf, type AttributeInversionOutcome } from './types.ts';
import { setLevel, type SensitiveFeature } from './sensitive.ts';

/** Inputs of the white-box estimator. */
export interface TreeInversionInput {
  /** Encoded rows of the targets (the sensitive column is ignored; NaN marks other unknowns). */
  rows: Matrix;
  /** Observed label index per target. */
  observed: ArrayLike<number>;
  sensitive: SensitiveFeature;
  prior: Float64Array;
}

function goesLeft(node: TreeNode, row: ArrayLike<number>): boolean {
  const split = node.split!;
  const value = row[split.feature];
  return split.kind === 'numeric' ? value <= split.threshold : split.left.includes(value);
}

function total(counts: readonly number[]): number {
  let sum = 0;
  for (const count of counts) sum += count;
  return sum;
}

/** Runs the estimator on a tree the attacker holds (or downloaded from an MLaaS). */
export function treeWhiteBoxInversion(tree: DecisionTree, input: TreeInversionInput): AttributeInversionOutcome {
  const { rows, observed, sensitive, prior } = input;
  if (observed.length !== rows.rows) {
    throw new ValidationError('cannot invert', [{ path: 'observed', message: `${observed.length} labels for ${rows.rows} targets; give one per target` }]);
  }
  const levels = sensitive.levels.length;
  const { start, width } = sensitive.columns;
  // One row per candidate level, to test splits on the sensitive columns in any encoding.
  const candidates = Array.from({ length: levels }, () => new Float64Array(rows.cols));
  const posteriors: number[][] = [];
  for (let t = 0; t < rows.rows; t++) {
    const row = rows.data.subarray(t * rows.cols, (t + 1) * rows.cols);
    candidates.forEach((candidate, level) => {
      candidate.set(row);
      setLevel(candidate, sensitive, level);
    });
    const scores = new Float64Array(levels);
    const y = observed[t];
    const visit = (node: TreeNode, admitted: boolean[], weight: number): void => {
      if (!node.split) {
        const count = node.counts[y] ?? 0;
        if (count === 0) return;
        let mass = 0;
        for (let v = 0; v < levels; v++) if (admitted[v]) mass += prior[v];
        for (let v = 0; v < levels; v++) if (admitted[v]) scores[v] += (weight * count * prior[v]) / mass;
        return;
      }
      const left = tree.nodes[node.left!];
      const right = tree.nodes[node.right!];
      const feature = node.split.feature;
      if (feature >= start && feature < start + width) {
        const goLeft = admitted.map((ok, v) => ok && goesLeft(node, candidates[v]));
        const goRight = admitted.map((ok, v) => ok && !goesLeft(node, candidates[v]));
        if (goLeft.some(Boolean)) visit(left, goLeft, weight);
        if (goRight.some(Boolean)) visit(right, goRight, weight);
      } else if (Number.isNaN(row[feature])) {
        const here = total(node.counts);
        if (here === 0) return;
        visit(left, admitted, (weight * total(left.counts)) / here);
        visit(right, admitted, (weight * total(right.counts)) / here);
      } else {
        visit(goesLeft(node, row) ? left : right, admitted, weight);
      }
    };
    visit(tree.nodes[0], new Array<boolean>(levels).fill(true), 1);
    posteriors.push(posteriorOf(scores, prior));
  }
  return { feature: sensitive.name, levels: sensitive.levels, posteriors, guesses: posteriors.map(argmax) };
}
