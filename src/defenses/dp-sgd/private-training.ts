/**
 * DP-SGD's training loop (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016,
 * Algorithm 1): each step samples every training row independently with probability
 * q = batch size / rows (Poisson sampling, which the accountant assumes), clips each sampled
 * row's gradient to norm C, adds N(0, σ²C²) to the sum, divides by the expected batch size qN and
 * hands the result to the optimiser (SGD or Adam: post-processing, no extra privacy cost). The L2
 * penalty's gradient is data-independent and is added unclipped. σ is given, or calibrated so the
 * run spends the target ε at δ (accountant.ts); the run's (ε, δ) is returned either way.
 *
 * No early stopping: choosing the epoch on held-out rows would spend privacy the accountant does
 * not count. The noise comes from tfjs's seeded normal generator — reproducible, but not a
 * cryptographic source (Mironov, CCS 2012, shows floating-point Laplace noise can leak); the
 * guarantee is the mathematical one of the mechanism.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { ValidationError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import { silentProgress } from '../../progress.ts';
import type { LoopOptions, LoopResult, NetworkObjective } from '../../models/neural/train-loop.ts';
import { noiseForEpsilon, privacySpent, type PrivacySpent } from './accountant.ts';
import { clippedGradientSums, type ProbedNetwork } from './clipped-gradients.ts';

/** What DP-SGD is asked for: a target ε, or a noise multiplier to account for. */
export interface DpSgdSettings {
  /** Per-example gradient norm bound C. */
  clip: number;
  delta: number;
  /** Target ε (the noise is calibrated to it) — or give `noiseMultiplier`. */
  epsilon?: number;
  noiseMultiplier?: number;
  /** The trainer's name for the batch size, for errors (default batchSize). */
  batchSizeParam?: string;
}

/** The guarantee and settings of a finished DP-SGD run, as a model records them. */
export interface DpSgdRecord extends PrivacySpent {
  mechanism: 'dp-sgd';
  noiseMultiplier: number;
  clip: number;
  samplingRate: number;
  steps: number;
  /** Share of sampled examples whose gradient the clip bound cut (a high share: raise the clip or lower the learning rate). */
  clippedShare: number;
}

/** The noise multiplier and step count of a run. */
export function planDpSgd(settings: DpSgdSettings, rows: number, batchSize: number, epochs: number): { samplingRate: number; steps: number; noiseMultiplier: number } {
  if (batchSize >= rows) {
    throw new ValidationError('cannot train with DP-SGD', [{ path: settings.batchSizeParam ?? 'batchSize', message: `${batchSize} ≥ the ${rows} training rows; DP-SGD samples each batch from many more rows than one batch — give a smaller batch` }]);
  }
  const samplingRate = batchSize / rows;
  const steps = Math.ceil((epochs * rows) / batchSize);
  const noiseMultiplier = settings.noiseMultiplier ?? noiseForEpsilon({ samplingRate, steps }, settings.epsilon!, settings.delta);
  return { samplingRate, steps, noiseMultiplier };
}

/** One DP-SGD step on the sampled rows (empty when none was sampled): the batch's summed loss and the share of its rows whose gradient was clipped. */
export type PrivateStep = (sampled: Int32Array) => Promise<{ loss: number; clippedShare: number }>;

/**
 * DP-SGD's loop, whichever engine steps: each step samples the rows (Poisson, rate q), `step`
 * clips, noises and applies; the per-epoch losses and the run's (ε, δ) and record come back.
 */
export async function runPrivately(rows: number, options: LoopOptions, settings: DpSgdSettings, plan: { samplingRate: number; steps: number; noiseMultiplier: number }, step: PrivateStep): Promise<LoopResult & { privacy: DpSgdRecord }> {
  const { samplingRate, steps, noiseMultiplier } = plan;
  const { rng } = options;
  const progress = options.progress ?? silentProgress;
  const stepsPerEpoch = Math.max(1, Math.round(rows / options.batchSize));
  const trainingLoss: number[] = [];
  let [epochLoss, epochRows, clippedRows, sampledRows] = [0, 0, 0, 0];
  progress.start('training (DP-SGD)', steps);
  for (let s = 0; s < steps; s++) {
    const sampled: number[] = [];
    for (let i = 0; i < rows; i++) if (rng.uniform() < samplingRate) sampled.push(i);
    const { loss, clippedShare } = await step(Int32Array.from(sampled));
    epochLoss += loss;
    epochRows += sampled.length;
    clippedRows += clippedShare * sampled.length;
    sampledRows += sampled.length;
    if ((s + 1) % stepsPerEpoch === 0 || s === steps - 1) {
      trainingLoss.push(epochRows > 0 ? epochLoss / epochRows : 0);
      [epochLoss, epochRows] = [0, 0];
    }
    progress.tick();
  }
  progress.done();
  const spent = privacySpent({ samplingRate, noiseMultiplier, steps }, settings.delta);
  const epochsRun = trainingLoss.length;
  return {
    epochsRun,
    bestEpoch: epochsRun,
    trainingLoss,
    validationLoss: [],
    privacy: { mechanism: 'dp-sgd', ...spent, noiseMultiplier, clip: settings.clip, samplingRate, steps, clippedShare: sampledRows > 0 ? clippedRows / sampledRows : 0 },
  };
}

/** What DP-SGD refuses to combine with, and the classification objective it needs. */
export function checkPrivateRun(objective: NetworkObjective, options: LoopOptions): asserts objective is Extract<NetworkObjective, { kind: 'classification' }> {
  if (objective.kind !== 'classification') throw new ValidationError('cannot train with DP-SGD', [{ path: 'objective', message: 'DP-SGD is implemented for class labels only' }]);
  if (options.penalty || options.corruption || options.adversary) throw new ValidationError('cannot train with DP-SGD', [{ path: 'hooks', message: 'a weight penalty, input corruption or adversarial training cannot be combined with DP-SGD here' }]);
}

/** Trains `network` in place with DP-SGD on a classification objective, on tfjs. */
export async function trainPrivately(
  network: ProbedNetwork & { variables: tf.Variable[]; penalized: tf.Variable[] },
  features: Matrix,
  objective: NetworkObjective,
  options: LoopOptions,
  settings: DpSgdSettings,
): Promise<LoopResult & { privacy: DpSgdRecord }> {
  checkPrivateRun(objective, options);
  await initBackend();
  const rows = features.rows;
  const plan = planDpSgd(settings, rows, options.batchSize, options.epochs);
  const { rng } = options;
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate) : tf.train.sgd(options.learningRate);
  if (options.initial) network.variables.forEach((v, k) => v.assign(tf.tensor(options.initial![k], v.shape)));
  const classes = objective.classes;
  const expectedBatch = plan.samplingRate * rows;
  try {
    return await runPrivately(rows, options, settings, plan, async (sampled) => {
      const batchX = new Float32Array(sampled.length * features.cols);
      const batchY = new Float32Array(sampled.length * classes);
      sampled.forEach((row, k) => {
        for (let j = 0; j < features.cols; j++) batchX[k * features.cols + j] = features.data[row * features.cols + j];
        batchY[k * classes + objective.labels[row]] = 1;
      });
      const clipped =
        sampled.length > 0
          ? (() => {
              const [x, y] = [tf.tensor2d(batchX, [sampled.length, features.cols]), tf.tensor2d(batchY, [sampled.length, classes])];
              const result = clippedGradientSums(network, x, y, settings.clip);
              [x, y].forEach((t) => t.dispose());
              return result;
            })()
          : { sums: new Map<string, tf.Tensor>(), loss: 0, clippedShare: 0 };
      const gradients = network.variables.map((variable) => ({
        name: variable.name,
        tensor: tf.tidy(() => {
          const sum = clipped.sums.get(variable.name) ?? tf.zeros(variable.shape);
          const noise = tf.randomNormal(variable.shape, 0, plan.noiseMultiplier * settings.clip, 'float32', rng.nextUint32());
          let gradient = tf.div(tf.add(sum, noise), expectedBatch);
          if (options.l2 > 0 && network.penalized.includes(variable)) gradient = tf.add(gradient, tf.mul(options.l2, variable));
          return gradient;
        }),
      }));
      clipped.sums.forEach((t) => t.dispose());
      optimizer.applyGradients(gradients);
      gradients.forEach((g) => g.tensor.dispose());
      return { loss: clipped.loss, clippedShare: clipped.clippedShare };
    });
  } finally {
    optimizer.dispose();
  }
}
