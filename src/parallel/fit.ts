/** One fit as every training backend does it (this thread, a worker thread, a cluster worker). */

import type { ClassificationDataset } from '../data/dataset.ts';
import type { Matrix } from '../math/matrix.ts';
import type { ModelJson } from '../models/json.ts';
import { createTrainer, modelFromOwnJson } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import { Rng } from '../random.ts';
import type { TrainerSpec } from './training-service.ts';

/** A fit's result: the model's file form, or only its answers on the rows asked. */
export interface FitOutcome {
  model?: ModelJson;
  predictions?: Matrix[];
}

/**
 * Fits `spec` on `data` with `seed`. With `on`, answers `predictProba` on each with the model read
 * back from its file form — the model a client of `train` gets — and returns the answers alone.
 */
export async function fitOutcome(spec: TrainerSpec, data: ClassificationDataset, seed: number, on?: readonly Matrix[]): Promise<FitOutcome> {
  const fitted = await createTrainer(spec.kind, spec.params).fit(data, new Rng(seed));
  const model = fitted.toJSON();
  if (!on) return { model };
  const loaded = modelFromOwnJson(model, 'shadow model') as Classifier;
  return { predictions: on.map((rows) => loaded.predictProba(rows)) };
}
