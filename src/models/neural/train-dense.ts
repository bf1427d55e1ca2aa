/**
 * Mini-batch training of a dense network on tfjs (wasm): Glorot-uniform initialisation drawn
 * from our seeded Rng, seeded batch order, Adam or SGD, an L2 penalty, and early stopping on a
 * validation set that restores the best weights. Same seed, same backend: same weights.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import type { Matrix } from '../../math/matrix.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import type { Activation, DenseLayer } from './dense-network.ts';

/** What the network learns: class labels (softmax cross-entropy) or targets in [0, 1] (sigmoid, squared error). */
export type DenseObjective = { kind: 'classification'; labels: Int32Array; classes: number } | { kind: 'reconstruction'; targets: Matrix };

/** Settings of one training run. */
export interface DenseTrainingOptions {
  /** Layer widths from input to output. */
  sizes: number[];
  hiddenActivation: Exclude<Activation, 'softmax'>;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  batchSize: number;
  epochs: number;
  l2: number;
  /** Epochs without validation improvement before stopping (0: never stop early). */
  patience: number;
  rng: Rng;
  validation?: { features: Matrix; objective: DenseObjective };
  progress?: Progress;
  /** Called on each batch's inputs before the step (e.g. to add noise for a denoising autoencoder). */
  corrupt?: (batch: tf.Tensor2D, rng: Rng) => tf.Tensor2D;
}

/** The trained layers and the training history. */
export interface DenseTrainingResult {
  layers: DenseLayer[];
  epochsRun: number;
  bestEpoch: number;
  trainingLoss: number[];
  validationLoss: number[];
}

function glorot(rng: Rng, inputs: number, outputs: number): Float32Array {
  const limit = Math.sqrt(6 / (inputs + outputs));
  return Float32Array.from({ length: inputs * outputs }, () => rng.between(-limit, limit));
}

function toTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(matrix.data), [matrix.rows, matrix.cols]);
}

function targetTensor(objective: DenseObjective): tf.Tensor2D {
  if (objective.kind === 'reconstruction') return toTensor(objective.targets);
  return tf.tidy(() => tf.oneHot(tf.tensor1d(objective.labels, 'int32'), objective.classes).toFloat() as tf.Tensor2D);
}

/** Trains a dense network and returns its layers in float64. */
export async function trainDense(features: Matrix, objective: DenseObjective, options: DenseTrainingOptions): Promise<DenseTrainingResult> {
  await initBackend();
  const progress = options.progress ?? silentProgress;
  const { sizes, rng } = options;
  const outputActivation: Activation = objective.kind === 'classification' ? 'softmax' : 'sigmoid';
  const weights = sizes.slice(1).map((outputs, l) => tf.variable(tf.tensor2d(glorot(rng, sizes[l], outputs), [sizes[l], outputs])));
  const biases = sizes.slice(1).map((outputs) => tf.variable(tf.zeros([outputs])));
  const variables = [...weights, ...biases];
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate) : tf.train.sgd(options.learningRate);
  const x = toTensor(features);
  const y = targetTensor(objective);
  const validationX = options.validation ? toTensor(options.validation.features) : undefined;
  const validationY = options.validation ? targetTensor(options.validation.objective) : undefined;
  const hidden = options.hiddenActivation;

  const scores = (input: tf.Tensor2D): tf.Tensor2D => {
    let current: tf.Tensor2D = input;
    weights.forEach((w, l) => {
      const z = tf.add(tf.matMul(current, w), biases[l]) as tf.Tensor2D;
      current = l === weights.length - 1 ? z : applyActivation(z, hidden);
    });
    return current;
  };
  const lossOf = (input: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar => {
    const z = scores(input);
    const data = objective.kind === 'classification' ? tf.losses.softmaxCrossEntropy(target, z) : tf.losses.meanSquaredError(target, tf.sigmoid(z));
    if (options.l2 === 0) return data as tf.Scalar;
    const penalty = tf.addN(weights.map((w) => tf.sum(tf.square(w))));
    return tf.add(data, tf.mul(options.l2 / 2, penalty)) as tf.Scalar;
  };

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
      const batchIndex = tf.tensor1d(Int32Array.from(order.subarray(start, Math.min(n, start + options.batchSize))), 'int32');
      const batchLoss = optimizer.minimize(() => {
        let batchX = tf.gather(x, batchIndex) as tf.Tensor2D;
        if (options.corrupt) batchX = options.corrupt(batchX, rng);
        return lossOf(batchX, tf.gather(y, batchIndex) as tf.Tensor2D);
      }, true, variables);
      total += (batchLoss!.dataSync()[0] * batchIndex.shape[0]) / n;
      batchLoss!.dispose();
      batchIndex.dispose();
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
        bestValues = variables.map((v) => v.dataSync().slice() as Float32Array);
      } else if (options.patience > 0 && epoch + 1 - bestEpoch >= options.patience) {
        break;
      }
    }
  }
  progress.done();
  if (bestValues) variables.forEach((v, k) => v.assign(tf.tensor(bestValues![k], v.shape)));
  const layers: DenseLayer[] = weights.map((w, l) => ({
    inputs: sizes[l],
    outputs: sizes[l + 1],
    weights: Float64Array.from(w.dataSync()),
    biases: Float64Array.from(biases[l].dataSync()),
    activation: l === weights.length - 1 ? outputActivation : hidden,
  }));
  [x, y, validationX, validationY, ...variables].forEach((t) => t?.dispose());
  optimizer.dispose();
  return { layers, epochsRun, bestEpoch: bestValues ? bestEpoch : epochsRun, trainingLoss, validationLoss };
}

function applyActivation(z: tf.Tensor2D, activation: Exclude<Activation, 'softmax'>): tf.Tensor2D {
  switch (activation) {
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'relu':
      return tf.relu(z);
    case 'linear':
      return z;
  }
}
