/**
 * The mini-batch training loop shared by every tfjs network: seeded batch order, Adam or SGD,
 * an L2 penalty, and early stopping on a validation set that restores the best weights.
 * Same seed, same backend: same weights.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import type { Matrix } from '../../math/matrix.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { pgdAdversary, type TrainingAdversary } from '../../defenses/adversarial-training.ts';
import { FusedAdam } from './fused-adam.ts';
import { corruptOnTfjs, type InputCorruption } from './input-corruption.ts';

/** What the network learns: class labels (softmax cross-entropy on its scores) or targets in [0, 1] (binary cross-entropy on the sigmoid of its scores). */
export type NetworkObjective =
  | { kind: 'classification'; labels: Int32Array; classes: number }
  | { kind: 'reconstruction'; targets: Matrix }
  /** Soft labels: probability vectors to match with softmax cross-entropy (model extraction). */
  | { kind: 'distribution'; targets: Matrix };

/** A network as the loop sees it. */
export interface TrainableNetwork {
  variables: tf.Variable[];
  /** Variables under the L2 penalty (weights, not biases). */
  penalized: tf.Variable[];
  /** Scores (logits) for a batch of flat input rows. */
  scores(input: tf.Tensor2D): tf.Tensor2D;
}

/** Settings of one training run. */
export interface LoopOptions {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  batchSize: number;
  epochs: number;
  l2: number;
  /** Epochs without validation improvement before stopping (0: never stop early). */
  patience: number;
  rng: Rng;
  validation?: { features: Matrix; objective: NetworkObjective };
  progress?: Progress;
  /** Each batch's inputs corrupted before the step, drawn from `rng` (a denoising autoencoder; input-corruption.ts). */
  corruption?: InputCorruption;
  /** An extra term added to every batch's loss, computed from the penalised weights (malicious training, Song et al. 2017). */
  penalty?: WeightPenalty;
  /** Starting values of the network's variables, in `variables` order (fine-tuning a trained model). */
  initial?: Float32Array[];
  /** Replaces each batch by its PGD examples against the current weights (adversarial training, Madry et al. 2018). */
  adversary?: TrainingAdversary;
}

/**
 * A loss term on the network's weight tensors (in `penalized` order: each layer's weights, no
 * biases), for both engines: as tensors inside tfjs's gradient tape, and — where given — on the
 * float32 values themselves with its gradient written out, which lets the native engine
 * (native/native-dense.ts) train with it.
 */
export interface WeightPenalty {
  /** The term as a tfjs scalar; called inside the gradient tape. */
  tensor(weights: tf.Variable[]): tf.Scalar;
  /**
   * The same term on the weights' values (each tensor flat, row-major as tfjs holds it); with
   * `gradients` (arrays shaped as `weights`) its gradient is added into them.
   */
  values?(weights: readonly Float32Array[], gradients?: readonly Float32Array[]): number;
}

/** The training history. */
export interface LoopResult {
  epochsRun: number;
  bestEpoch: number;
  trainingLoss: number[];
  validationLoss: number[];
}

/** Flat rows as a float32 tensor. */
export function toTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(new Float32Array(matrix.data), [matrix.rows, matrix.cols]);
}

function oneHotRows(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (out[i * classes + label] = 1));
  return out;
}

/** The targets of every row, flat: one-hot labels, or the target rows in float32. */
export function targetRows(objective: NetworkObjective): Float32Array {
  return objective.kind === 'classification' ? oneHotRows(objective.labels, objective.classes) : new Float32Array(objective.targets.data);
}

function targetTensor(objective: NetworkObjective): tf.Tensor2D {
  if (objective.kind !== 'classification') return toTensor(objective.targets);
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(objective.labels, 'int32'), objective.classes), 'float32') as tf.Tensor2D);
}

/** Glorot-uniform values drawn from our seeded generator. */
export function glorotUniform(rng: Rng, count: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  // The draws in one loop with the generator's state in locals (Float32Array.from with a mapper
  // took 21–31 ms for 784 × 256; a loop of rng.between 6.5 warm, 12–17 in a process's first training).
  const values = new Float32Array(count);
  rng.fillBetween(values, -limit, limit);
  return values;
}

/** What one training run does, for the epoch driver. */
export interface EpochWork {
  /** Trains on the rows `order[start .. start + size)`; the batch's mean loss. */
  step(order: Uint32Array, start: number, size: number): Promise<number> | number;
  /** The loss on the validation set, when there is one. */
  validationLoss?: () => Promise<number> | number;
  /** Copies of the trained values (early stopping keeps the best)… */
  snapshot(): Float32Array[];
  /** …and putting such copies back. */
  restore(values: Float32Array[]): void;
}

/** Seeded batch order, the history and early stopping on the validation loss, the best values restored at the end. */
export async function runEpochs(rows: number, options: Pick<LoopOptions, 'epochs' | 'patience' | 'batchSize' | 'rng' | 'progress'>, work: EpochWork): Promise<LoopResult> {
  const progress = options.progress ?? silentProgress;
  const trainingLoss: number[] = [];
  const validationLoss: number[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestValues: Float32Array[] | undefined;
  let epochsRun = 0;
  progress.start('training', options.epochs);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = options.rng.permutation(rows);
    let total = 0;
    for (let start = 0; start < rows; start += options.batchSize) {
      const size = Math.min(rows, start + options.batchSize) - start;
      total += ((await work.step(order, start, size)) * size) / rows;
    }
    trainingLoss.push(total);
    epochsRun = epoch + 1;
    progress.tick();
    if (work.validationLoss) {
      const loss = await work.validationLoss();
      validationLoss.push(loss);
      if (loss < best - 1e-7) {
        best = loss;
        bestEpoch = epoch + 1;
        bestValues = work.snapshot();
      } else if (options.patience > 0 && epoch + 1 - bestEpoch >= options.patience) {
        break;
      }
    }
  }
  progress.done();
  if (bestValues) work.restore(bestValues);
  return { epochsRun, bestEpoch: bestValues ? bestEpoch : epochsRun, trainingLoss, validationLoss };
}

/** Copies the rows `order[start .. start + size)` of a flat row-major array into `into` (float64 rows into a float32 buffer are rounded); a view of the rows copied. */
export function gatherRows<Into extends Float32Array | Float64Array>(from: Float32Array | Float64Array, width: number, order: Uint32Array, start: number, size: number, into: Into): Into {
  for (let k = 0; k < size; k++) {
    const row = order[start + k];
    into.set(from.subarray(row * width, (row + 1) * width), k * width);
  }
  return into.subarray(0, size * width) as Into;
}

/** Batches of rows and targets in reused buffers: `batch` returns views of them. */
interface BatchSource {
  targetWidth: number;
  batch(order: Uint32Array, start: number, size: number): [Float32Array, Float32Array];
}

/**
 * Float32 batches of the training rows and targets, for `passes` passes over the rows. Rows for a
 * few passes are rounded from the float64 matrix batch by batch: a float32 copy of a large data set
 * costs more than two epochs here (a fresh 220 MB array for Fashion-MNIST takes 0.7 s to touch on
 * this machine). From four passes on they are rounded once (rounding costs ~2.3 ns a value each
 * pass in JS; copying rows of the same type is a memcpy).
 */
function batchSource(features: Matrix, objective: NetworkObjective, batchSize: number, passes: number): BatchSource {
  const inputs = passes >= 4 ? new Float32Array(features.data) : features.data;
  const targets = targetRows(objective);
  const targetWidth = objective.kind === 'classification' ? objective.classes : objective.targets.cols;
  const batchInputs = new Float32Array(batchSize * features.cols);
  const batchTargets = new Float32Array(batchSize * targetWidth);
  return {
    targetWidth,
    batch: (order, start, size) => [gatherRows(inputs, features.cols, order, start, size, batchInputs), gatherRows(targets, targetWidth, order, start, size, batchTargets)],
  };
}

/** Trains `network` in place; the best validation weights are restored at the end. */
export async function trainNetwork(network: TrainableNetwork, features: Matrix, objective: NetworkObjective, options: LoopOptions): Promise<LoopResult> {
  await initBackend();
  const { rng } = options;
  // Adam runs fused in WebAssembly (the same bits as tf.train.adam); SGD is tfjs's, one op a variable.
  const sgd = options.optimizer === 'sgd' ? tf.train.sgd(options.learningRate) : undefined;
  // Batches are assembled in JS and uploaded: tfjs-wasm's gather costs ~3 ms for 128 rows of a
  // large tensor, and inside the step it also back-propagates into the whole data tensor.
  const source = batchSource(features, objective, options.batchSize, options.epochs);
  const validationX = options.validation ? toTensor(options.validation.features) : undefined;
  const validationY = options.validation ? targetTensor(options.validation.objective) : undefined;
  const lossOf = (input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => {
    const z = network.scores(input);
    let loss = (objective.kind === 'reconstruction' ? tf.losses.sigmoidCrossEntropy(target, z) : tf.losses.softmaxCrossEntropy(target, z)) as tf.Scalar;
    if (options.l2 > 0 && network.penalized.length > 0) {
      const penalty = tf.addN(network.penalized.map((w) => tf.sum(tf.square(w))));
      loss = tf.add(loss, tf.mul(options.l2 / 2, penalty));
    }
    return options.penalty ? tf.add(loss, options.penalty.tensor(network.penalized)) : loss;
  };
  if (options.initial) network.variables.forEach((v, k) => v.assign(tf.tensor(options.initial![k], v.shape)));
  const adam = sgd ? undefined : new FusedAdam(network.variables, options.learningRate);
  const adversary = options.adversary && pgdAdversary((input) => network.scores(input), options.adversary.box, options.adversary.steps, options.adversary.rng);
  const history = await runEpochs(features.rows, options, {
    step(order, start, size) {
      const [inputs, targets] = source.batch(order, start, size);
      const batchX = tf.tensor2d(inputs, [size, features.cols]);
      const batchY = tf.tensor2d(targets, [size, source.targetWidth]);
      const adversarial = adversary?.(batchX, batchY);
      const loss = () => lossOf(options.corruption ? corruptOnTfjs(options.corruption, batchX, rng) : (adversarial ?? batchX), batchY);
      let batchLoss: tf.Scalar;
      if (adam) {
        const { value, grads } = tf.variableGrads(loss, network.variables);
        adam.apply(network.variables.map((v) => grads[v.name]));
        tf.dispose(grads);
        batchLoss = value;
      } else batchLoss = sgd!.minimize(loss, true, network.variables)!;
      const value = batchLoss.dataSync()[0];
      [batchLoss, batchX, batchY, adversarial].forEach((t) => t?.dispose());
      return value;
    },
    validationLoss: validationX && validationY ? () => tf.tidy(() => lossOf(validationX, validationY).dataSync()[0]) : undefined,
    snapshot: () => network.variables.map((v) => v.dataSync().slice() as Float32Array),
    restore: (values) => network.variables.forEach((v, k) => v.assign(tf.tensor(values[k], v.shape))),
  });
  [validationX, validationY].forEach((t) => t?.dispose());
  sgd?.dispose();
  adam?.release();
  return history;
}
