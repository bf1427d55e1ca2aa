/**
 * The checks a network's DP-SGD on the native engine passes against the tfjs engine's (Abadi et
 * al., CCS 2016), for its tests: the same privacy record (sampling, noise scale, steps, accountant),
 * rows clipped, the same model from the same seed, another model than tfjs's (another noise
 * stream), and held-out accuracy above `floor` and within 0.1 of the tfjs engine's.
 */

import assert from 'node:assert/strict';
import type { ClassificationDataset } from '../data/dataset.ts';
import type { DpSgdRecord } from '../defenses/dp-sgd/private-training.ts';
import { accuracy } from '../metrics/score.ts';
import type { Classifier } from '../models/types.ts';

/** `fit` trains with DP-SGD on the engine named (THREATLAB_TRAINING_ENGINE is set for it), from the same seed each time. */
export async function checkNativeDpSgd(fit: () => Promise<Classifier & { params: Record<string, unknown>; toJSON(): unknown }>, others: ClassificationDataset, floor = 0.6): Promise<void> {
  const on = async (engine: 'auto' | 'tfjs') => {
    process.env.THREATLAB_TRAINING_ENGINE = engine;
    try {
      return await fit();
    } finally {
      delete process.env.THREATLAB_TRAINING_ENGINE;
    }
  };
  const [native, again, tfjs] = [await on('auto'), await on('auto'), await on('tfjs')];
  const [nativePrivacy, tfjsPrivacy] = [native.params.privacy as DpSgdRecord, tfjs.params.privacy as DpSgdRecord];
  for (const key of ['epsilon', 'delta', 'noiseMultiplier', 'clip', 'samplingRate', 'steps'] as const) assert.equal(nativePrivacy[key], tfjsPrivacy[key], key);
  assert.ok(nativePrivacy.clippedShare > 0, 'rows were clipped');
  assert.deepEqual(again.toJSON(), native.toJSON(), 'same seed, same model');
  assert.notDeepEqual(native.toJSON(), tfjs.toJSON(), 'two engines, two noise streams');
  const [nativeAccuracy, tfjsAccuracy] = [accuracy(native, others), accuracy(tfjs, others)];
  assert.ok(nativeAccuracy > floor && Math.abs(nativeAccuracy - tfjsAccuracy) < 0.1, `native ${nativeAccuracy} vs tfjs ${tfjsAccuracy}`);
}
