/**
 * DP-SGD (Abadi et al., CCS 2016) on the native engine, for any network with a private gradient
 * graph (dense-step-graph.ts `privateGradientGraph`, cnn-private-graph.ts): each step's sampled
 * rows (Poisson, the shared loop of defenses/dp-sgd/private-training.ts) clipped and summed in one
 * onnxruntime call, the noise and the optimiser's step in the stepper (`privateStep`). The rows
 * are rounded to float32 once (DP-SGD passes over them every epoch). The privacy record is the
 * tfjs engine's: the same sampling, clipping bound, noise scale and accountant.
 */

import type { Matrix } from '../../../math/matrix.ts';
import { checkPrivateRun, planDpSgd, runPrivately, type DpSgdRecord, type DpSgdSettings } from '../../../defenses/dp-sgd/private-training.ts';
import { targetRows, type LoopOptions, type LoopResult, type NetworkObjective } from '../train-loop.ts';
import { float32Rows } from './float32-rows.ts';
import { NativeStepper, type StepGraphs } from './native-stepper.ts';

/** Trains from `initial` parameters (in `graphs.shapes` order) with DP-SGD, `graphs.gradient` being a private gradient graph on float32 rows; the trained parameters, the history and the privacy record. */
export async function trainNativePrivately(
  features: Matrix,
  objective: NetworkObjective,
  graphs: StepGraphs,
  initial: Float32Array[],
  options: LoopOptions,
  settings: DpSgdSettings,
  threads = 1,
): Promise<LoopResult & { privacy: DpSgdRecord; parameters: Float32Array[] }> {
  checkPrivateRun(objective, options);
  const rows = features.rows;
  const plan = planDpSgd(settings, rows, options.batchSize, options.epochs);
  const stepper = await NativeStepper.create(graphs, options.optimizer, options.initial ?? initial, options.learningRate, threads);
  const training = float32Rows(features);
  try {
    const set = stepper.rowSet(training.rows, targetRows(objective));
    const privacy = { clip: settings.clip, noiseStd: plan.noiseMultiplier * settings.clip, expectedBatch: plan.samplingRate * rows, l2: options.l2, rng: options.rng };
    const history = await runPrivately(rows, options, settings, plan, async (sampled) => {
      const { loss, clipped } = await stepper.privateStep(set, sampled, privacy);
      return { loss, clippedShare: sampled.length > 0 ? clipped / sampled.length : 0 };
    });
    return { ...history, parameters: stepper.parameters() };
  } finally {
    training.release();
    stepper.release();
  }
}
