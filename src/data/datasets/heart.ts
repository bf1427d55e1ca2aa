/**
 * libsvm's `heart_scale` (Statlog heart disease, `steal-ml/heart_scale`): 270 rows × 13
 * features scaled to [-1, 1], labels ±1 — one of Tramèr et al.'s binary data sets.
 */

import { classificationDataset, type ClassificationDataset } from '../dataset.ts';
import { requireDataFile } from '../data-path.ts';
import { loadSvmlight } from '../loaders/svmlight.ts';
import { uniformNumericSchema } from '../schema.ts';

/** Relative path of heart_scale under the data root. */
export const HEART_FILE = 'steal-ml/heart_scale';

/** Loads heart_scale: classes "-1" and "+1". */
export function loadHeart(): ClassificationDataset {
  const { features, labels } = loadSvmlight(requireDataFile('heart', HEART_FILE), 13);
  return classificationDataset({
    name: 'heart',
    features,
    schema: uniformNumericSchema(13, 'x', -1, 1),
    labels: Int32Array.from(labels, (label) => (label > 0 ? 1 : 0)),
    classes: ['-1', '+1'],
    targetName: 'label',
  });
}
