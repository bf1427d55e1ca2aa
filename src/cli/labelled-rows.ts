/**
 * Labelled rows a command judges a model by: a registry data set of the model's width, or the
 * user's CSV in the model's raw features and label, encoded with the model's own schema.
 */

import type { ClassificationDataset } from '../data/dataset.ts';
import { loadDataset } from '../data/datasets/registry.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { encodeForModel, labelColumn, loadUserRows } from '../data/model-rows.ts';
import { ValidationError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { isUserCsv } from './commands/train.ts';

/** Loads `source` (a CSV path or a data set name) as rows for a model with this schema, classes and width. */
export function labelledRowsForModel(source: string, model: { schema: FeatureSchema; classes: readonly string[]; inputSize: number }, target: string | undefined, progress: Progress): ClassificationDataset {
  if (isUserCsv(source)) {
    const table = loadUserRows(source, progress);
    const space = { schema: model.schema, classes: [...model.classes], allowMissing: false };
    return encodeForModel(table, space, labelColumn(table, space, target));
  }
  const data = loadDataset(source);
  if (data.task !== 'classification' || data.features.cols !== model.inputSize) {
    throw new ValidationError('data set does not fit the model', [{ path: 'dataset', message: `${source} has ${data.features.cols} columns, the model takes ${model.inputSize}; give the data set it was trained on, or a CSV in its features and label` }]);
  }
  return data;
}
