/** How well a model predicts labelled data: accuracy for classifiers, RMSE for regressors. */

import type { ClassificationDataset, Dataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';
import type { Classifier, Model } from '../models/types.ts';

/** Share of rows whose predicted class is the label. */
export function accuracy(model: Classifier, data: ClassificationDataset): number {
  const predicted = model.predict(data.features);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === data.labels[i]) correct++;
  return correct / Math.max(1, predicted.length);
}

/** Accuracy (classifiers) or RMSE (regressors) of a model on a data set. */
export function score(model: Model, data: Dataset): number {
  if (model.task === 'classification' && data.task === 'classification') return accuracy(model, data);
  if (model.task === 'regression' && data.task === 'regression') {
    const predicted = model.predictValues(data.features);
    let squares = 0;
    for (let i = 0; i < predicted.length; i++) squares += (predicted[i] - data.targets[i]) ** 2;
    return Math.sqrt(squares / Math.max(1, predicted.length));
  }
  throw new ThreatlabError('validation', `a ${model.task} model cannot be scored on data with a ${data.task} target`);
}
