/** Confusion matrices and the error model π(y | ŷ) of Fredrikson et al.'s inversion estimators. */

import type { ClassificationDataset } from '../data/dataset.ts';
import type { Classifier } from '../models/types.ts';

/** counts[true][predicted] of a classifier on labelled rows. */
export function confusionCounts(model: Classifier, data: ClassificationDataset): number[][] {
  const classes = model.classes.length;
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const predicted = model.predict(data.features);
  for (let i = 0; i < predicted.length; i++) counts[data.labels[i]][predicted[i]] += 1;
  return counts;
}

/**
 * π(y | ŷ): the probability that the true label is y when the model says ŷ, from a confusion
 * matrix with add-one smoothing (Fredrikson et al. 2014 §4; 2015 §3: "the model's confusion
 * matrix", which MLaaS platforms such as BigML show beside a model). Indexed [predicted][true].
 */
export function labelErrorModel(counts: number[][]): number[][] {
  const classes = counts.length;
  return Array.from({ length: classes }, (_, predicted) => {
    let column = 0;
    for (let y = 0; y < classes; y++) column += counts[y][predicted] + 1;
    return Array.from({ length: classes }, (_, y) => (counts[y][predicted] + 1) / column);
  });
}
