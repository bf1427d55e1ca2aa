/**
 * A random forest of our CART trees (Breiman 2001, with Ho's random subspaces): each tree grows
 * on a bootstrap sample of the rows, seeing a random share of the columns (the others held
 * constant, so no split can use them); the forest's probabilities are the trees' mean. Used as
 * the attack model of Shokri et al.'s shadow-model membership attack, where a forest reads the
 * shadow models' confidence vectors better than a linear model can.
 */

import { classificationDataset, type ClassificationDataset } from '../../data/dataset.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { Rng } from '../../random.ts';
import type { DecisionTree } from './decision-tree.ts';
import { DecisionTreeTrainer } from './cart.ts';

/** Forest settings. */
export interface ForestOptions {
  trees: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** Share of the columns each tree sees. */
  featureShare: number;
}

export const FOREST_DEFAULTS: ForestOptions = { trees: 50, maxDepth: 8, minSamplesLeaf: 5, featureShare: 0.6 };

/** A fitted forest: the mean of its trees' class probabilities. */
export interface Forest {
  predictProba(input: Matrix): Matrix;
}

/** Fits a forest. */
export function fitForest(data: ClassificationDataset, rng: Rng, options: ForestOptions = FOREST_DEFAULTS): Forest {
  const { rows, cols } = data.features;
  const trees: { tree: DecisionTree; hidden: Uint8Array }[] = [];
  const trainer = new DecisionTreeTrainer({ maxDepth: options.maxDepth, minSamplesLeaf: options.minSamplesLeaf });
  const seen = Math.max(1, Math.round(options.featureShare * cols));
  for (let t = 0; t < options.trees; t++) {
    const hidden = new Uint8Array(cols).fill(1);
    for (const j of rng.permutation(cols).subarray(0, seen)) hidden[j] = 0;
    const features = createMatrix(rows, cols);
    const labels = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const source = rng.int(rows);
      labels[i] = data.labels[source];
      for (let j = 0; j < cols; j++) features.data[i * cols + j] = hidden[j] ? 0 : data.features.data[source * cols + j];
    }
    trees.push({ tree: trainer.fitSync(classificationDataset({ ...data, features, labels })), hidden });
  }
  return {
    predictProba(input) {
      const out = createMatrix(input.rows, data.classes.length);
      for (const { tree, hidden } of trees) {
        const masked = createMatrix(input.rows, cols, Float64Array.from(input.data, (value, k) => (hidden[k % cols] ? 0 : value)));
        const p = tree.predictProba(masked);
        for (let k = 0; k < out.data.length; k++) out.data[k] += p.data[k] / trees.length;
      }
      return out;
    },
  };
}
