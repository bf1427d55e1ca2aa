/**
 * The checks a network's DP-SGD on the native engine passes against the tfjs engine's (Abadi et
 * al., CCS 2016), for its tests: a private gradient graph's outputs are tfjs's clipped sums on the
 * same batch (`checkClippedSums`); a run records the same privacy (sampling, noise scale, steps,
 * accountant), clips rows, repeats by seed, differs from tfjs's run (another noise stream) and
 * learns about as well (`checkNativeDpSgd`).
 */

import assert from 'node:assert/strict';
import type * as ort from 'onnxruntime-node';
import { tf } from '../backend/tf.ts';
import { clippedGradientSums, type ProbedNetwork } from '../defenses/dp-sgd/clipped-gradients.ts';
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

/**
 * A private gradient graph's outputs (`native`: loss, clipped, grad_<name> for `names`, in the
 * order of `variables`) against tfjs's clipped sums of `network` on the same rows: the clipped
 * count exactly, the summed loss to 1e-4, each sum to 1e-5 of its largest entry (at least 1), none
 * all zero; the batch must have rows clipped and rows not.
 */
export function checkClippedSums(native: Record<string, ort.Tensor>, network: ProbedNetwork, variables: readonly tf.Variable[], names: readonly string[], batch: { data: Float32Array; targets: Float32Array; rows: number }, clip: number): void {
  const { data, targets, rows } = batch;
  const [x, y] = [tf.tensor2d(data, [rows, data.length / rows]), tf.tensor2d(targets, [rows, targets.length / rows])];
  const reference = clippedGradientSums(network, x, y, clip);
  [x, y].forEach((t) => t.dispose());
  try {
    assert.ok(reference.clippedShare > 0 && reference.clippedShare < 1, `the batch has clipped and unclipped rows (${reference.clippedShare})`);
    assert.equal((native.clipped.data as Float32Array)[0], Math.round(reference.clippedShare * rows), 'clipped rows');
    const loss = (native.loss.data as Float32Array)[0];
    assert.ok(Math.abs(loss - reference.loss) < 1e-4 * Math.max(1, reference.loss), `loss ${loss} vs ${reference.loss}`);
    names.forEach((name, k) => {
      const expected = reference.sums.get(variables[k].name)!.dataSync();
      const got = native[`grad_${name}`].data as Float32Array;
      assert.equal(got.length, expected.length, name);
      const scale = Math.max(1, ...Array.from(expected, Math.abs));
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-5 * scale, `${name}[${i}]: ${got[i]} vs tfjs ${expected[i]}`);
      assert.ok(expected.some((value) => value !== 0), `${name} has a gradient`);
    });
  } finally {
    reference.sums.forEach((t) => t.dispose());
  }
}
