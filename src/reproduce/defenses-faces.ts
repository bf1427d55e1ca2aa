/**
 * DP-SGD against MI-Face (Fredrikson et al., CCS 2015) on AT&T faces: the softmax model trained
 * exactly and with DP-SGD at ε = 8 and 1, each inverted by white-box MI-Face for all 40 people,
 * each reconstruction identified among the training faces by correlation. Expected (the
 * countermeasures issue): DP at small ε drives identification down, at a visible accuracy cost —
 * 280 training faces of 10,304 pixels leave DP-SGD little signal per face.
 */

import { auditFaces, imageShapeOf } from '../audit/faces.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { splitIndices } from '../data/split.ts';
import { privacyOf } from '../defenses/dp-sgd/params.ts';
import { accuracy } from '../metrics/score.ts';
import { createTrainer } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** One defence of the faces model. */
export interface FacesDefenseRow {
  defense: string;
  epsilon?: number;
  delta?: number;
  accuracy: number;
  /** MI-Face images identified as their own person, of `people`. */
  recognised: number;
  people: number;
}

/** The rows; empty when the faces are missing. */
export async function facesDefenseRows(progress: Progress = silentProgress): Promise<FacesDefenseRow[]> {
  if (!isAvailable(findDataset('att-faces'))) return [];
  const data = loadDataset('att-faces') as ClassificationDataset;
  const split = splitIndices(data, { testFraction: 0.3, rng: new Rng(REPRODUCTION_SEED), stratify: true });
  const [train, test] = [subsetRows(data, split.train), subsetRows(data, split.test)];
  const dp = (epsilon: number) => ({ standardize: false, dpEpsilon: epsilon, dpDelta: 1e-3, dpBatchSize: 32, dpEpochs: 60 });
  const rows: FacesDefenseRow[] = [];
  for (const [defense, params] of [['none', { standardize: false }], ['DP-SGD ε = 8 (δ = 1e-3)', dp(8)], ['DP-SGD ε = 1 (δ = 1e-3)', dp(1)]] as const) {
    const model = (await createTrainer('softmax', params).fit(train, new Rng(REPRODUCTION_SEED))) as Classifier;
    const faces = await auditFaces(model, imageShapeOf(model)!, train, data.classes.length, progress);
    const privacy = privacyOf(model as { params?: Record<string, unknown> });
    rows.push({ defense, epsilon: privacy?.epsilon, delta: privacy?.delta, accuracy: accuracy(model, test), recognised: faces?.recognised ?? 0, people: data.classes.length });
  }
  return rows;
}
