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
import { FusedAdam } from './fused-adam.ts';

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
  /** Applied to each batch's inputs before the step (noise for a denoising autoencoder). */
  corrupt?: (batch: tf.Tensor2D, rng: Rng) => tf.Tensor2D;
  /** An extra term added to every batch's loss, computed from the penalised weights (malicious training, Song et al. 2017). */
  penalty?: WeightPenalty;
  /** Starting values of the network's variables, in `variables` order (fine-tuning a trained model). */
  initial?: Float32Array[];
  /** Replaces each batch by adversarial inputs against the current weights (adversarial training); made from the network's scores. */
  adversary?: (scores: (input: tf.Tensor2D) => tf.Tensor2D) => (inputs: tf.Tensor2D, targets: tf.Tensor2D) => tf.Tensor2D;
}

/** A loss term on the weight tensors (in `penalized` order); called inside the gradient tape. */
export type WeightPenalty = (weights: tf.Variable[]) => tf.Scalar;

/** The training history. */
export interface LoopResult {
  epochsRun: number;
  bestEpoch: number;
  trainingLoss: number[];
  validationLoss: number[];
}

/** Flat rows as a float32 tensor. */
export function toTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(matrix.data), [matrix.rows, matrix.cols]);
}

function oneHotRows(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (out[i * classes + label] = 1));
  return out;
}

function targetTensor(objective: NetworkObjective): tf.Tensor2D {
  if (objective.kind !== 'classification') return toTensor(objective.targets);
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(objective.labels, 'int32'), objective.classes), 'float32') as tf.Tensor2D);
}

/** Glorot-uniform values drawn from our seeded generator. */
export function glorotUniform(rng: Rng, count: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: count }, () => rng.between(-limit, limit));
}

/** Trains `network` in place; the best validation weights are restored at the end. */
export async function trainNetwork(network: TrainableNetwork, features: Matrix, objective: NetworkObjective, options: LoopOptions): Promise<LoopResult> {
  await initBackend();
  const progress = options.progress ?? silentProgress;
  const { rng } = options;
  // Adam runs fused in WebAssembly (the same bits as tf.train.adam); SGD is tfjs's, one op a variable.
  const sgd = options.optimizer === 'sgd' ? tf.train.sgd(options.learningRate) : undefined;
  // Batches are assembled in JS and uploaded: tfjs-wasm's gather costs ~3 ms for 128 rows of a
  // large tensor, and inside the step it also back-propagates into the whole data tensor.
  const inputs = Float32Array.from(features.data);
  const targets = objective.kind === 'classification' ? oneHotRows(objective.labels, objective.classes) : Float32Array.from(objective.targets.data);
  const targetWidth = objective.kind === 'classification' ? objective.classes : objective.targets.cols;
  const batchInputs = new Float32Array(options.batchSize * features.cols);
  const batchTargets = new Float32Array(options.batchSize * targetWidth);
  const validationX = options.validation ? toTensor(options.validation.features) : undefined;
  const validationY = options.validation ? targetTensor(options.validation.objective) : undefined;
  const lossOf = (input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => {
    const z = network.scores(input);
    let loss = (objective.kind === 'reconstruction' ? tf.losses.sigmoidCrossEntropy(target, z) : tf.losses.softmaxCrossEntropy(target, z)) as tf.Scalar;
    if (options.l2 > 0 && network.penalized.length > 0) {
      const penalty = tf.addN(network.penalized.map((w) => tf.sum(tf.square(w))));
      loss = tf.add(loss, tf.mul(options.l2 / 2, penalty));
    }
    return options.penalty ? tf.add(loss, options.penalty(network.penalized)) : loss;
  };
  if (options.initial) network.variables.forEach((v, k) => v.assign(tf.tensor(options.initial![k], v.shape)));
  const adam = sgd ? undefined : new FusedAdam(network.variables, options.learningRate);
  const adversary = options.adversary?.((input) => network.scores(input));
  const n = features.rows;
  const trainingLoss: number[] = [];
  const validationLoss: number[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestValues: Float32Array[] | undefined;
  let epochsRun = 0;
  progress.start('training', options.epochs);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = rng.permutation(n);
    let total = 0;
    for (let start = 0; start < n; start += options.batchSize) {
      const size = Math.min(n, start + options.batchSize) - start;
      for (let k = 0; k < size; k++) {
        const row = order[start + k];
        batchInputs.set(inputs.subarray(row * features.cols, (row + 1) * features.cols), k * features.cols);
        batchTargets.set(targets.subarray(row * targetWidth, (row + 1) * targetWidth), k * targetWidth);
      }
      const batchX = tf.tensor2d(batchInputs.subarray(0, size * features.cols), [size, features.cols]);
      const batchY = tf.tensor2d(batchTargets.subarray(0, size * targetWidth), [size, targetWidth]);
      const adversarial = adversary?.(batchX, batchY);
      const loss = () => lossOf(options.corrupt ? options.corrupt(batchX, rng) : (adversarial ?? batchX), batchY);
      let batchLoss: tf.Scalar;
      if (adam) {
        const { value, grads } = tf.variableGrads(loss, network.variables);
        adam.apply(network.variables.map((v) => grads[v.name]));
        tf.dispose(grads);
        batchLoss = value;
      } else batchLoss = sgd!.minimize(loss, true, network.variables)!;
      total += (batchLoss.dataSync()[0] * size) / n;
      [batchLoss, batchX, batchY, adversarial].forEach((t) => t?.dispose());
    }
    trainingLoss.push(total);
    epochsRun = epoch + 1;
    progress.tick();
    if (validationX && validationY) {
      const loss = tf.tidy(() => lossOf(validationX, validationY).dataSync()[0]);
      validationLoss.push(loss);
      if (loss < best - 1e-7) {
        best = loss;
        bestEpoch = epoch + 1;
        bestValues = network.variables.map((v) => v.dataSync().slice() as Float32Array);
      } else if (options.patience > 0 && epoch + 1 - bestEpoch >= options.patience) {
        break;
      }
    }
  }
  progress.done();
  if (bestValues) network.variables.forEach((v, k) => v.assign(tf.tensor(bestValues![k], v.shape)));
  [validationX, validationY].forEach((t) => t?.dispose());
  sgd?.dispose();
  return { epochsRun, bestEpoch: bestValues ? bestEpoch : epochsRun, trainingLoss, validationLoss };
}
