/**
 * Trains a stack of dense layers and returns them in float64 for the exact forward pass of
 * dense-network.ts: softmax networks on onnxruntime's native kernels (native/native-dense.ts),
 * weight penalties that give their values included (malicious training's loss terms), adversarial
 * training (each batch's PGD examples made in the step's graph), DP-SGD (one call a step's clipped
 * sums) and reconstruction with sigmoid outputs, its inputs corrupted in the graph (a denoising
 * autoencoder); the rest (a penalty without values, DP-SGD on rows the trainer scales) on tfjs
 * (wasm) through the shared loop.
 */

import { initBackend } from '../../backend/setup.ts';
import { tf } from '../../backend/tf.ts';
import { selectRows, type Matrix } from '../../math/matrix.ts';
import type { Activation, DenseLayer } from './dense-network.ts';
import { glorotUniform, trainNetwork, type LoopOptions, type LoopResult, type NetworkObjective } from './train-loop.ts';
import type { LinearOp } from '../../defenses/dp-sgd/clipped-gradients.ts';
import { trainPrivately, type DpSgdRecord, type DpSgdSettings } from '../../defenses/dp-sgd/private-training.ts';
import { densePrivateStepGraphs, trainDenseNative } from './native/native-dense.ts';
import { trainNativePrivately } from './native/native-private.ts';
import { nativeEngineFits } from './native/native-stepper.ts';
import { ThreatlabError } from '../../errors.ts';
import type { ColumnScaler } from '../../data/encoders/scaling.ts';

/** Settings of a dense network. */
export interface DenseTrainingOptions extends LoopOptions {
  /** Layer widths from input to output. */
  sizes: number[];
  hiddenActivation: Exclude<Activation, 'softmax'>;
  /** Train with DP-SGD (Abadi et al. 2016) instead of the plain loop. */
  privacy?: DpSgdSettings;
  /** `auto`: the native engine wherever it fits; `tfjs`: always tfjs-wasm (the engine before 2026-12-03, whose weights earlier results were made with). Default: `THREATLAB_TRAINING_ENGINE`, else `auto`. */
  engine?: 'auto' | 'tfjs';
  /** Threads of the native engine (1 by default: parallel trainings run in workers). */
  threads?: number;
  /** The rows (training and validation) arrive unscaled: the network trains on `inputScaling.transform` of them (applied batch by batch by the native engine, so no scaled copy of the data set is made). */
  inputScaling?: ColumnScaler;
  /**
   * The training rows of `features`, in order (the objective's rows are theirs); absent: all. The
   * native engine reads them where they lie; the other paths copy them out first.
   */
  only?: Uint32Array;
}

/** Trained layers and the history. */
export interface DenseTrainingResult extends LoopResult {
  layers: DenseLayer[];
  /** The DP-SGD run's guarantee, when trained with it. */
  privacy?: DpSgdRecord;
}

/** Hidden activation on a tensor. */
export function activateTensor(z: tf.Tensor2D, activation: Exclude<Activation, 'softmax'>): tf.Tensor2D {
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

/** The engine `THREATLAB_TRAINING_ENGINE` names (`auto` when unset). */
export function defaultEngine(): 'auto' | 'tfjs' {
  const named = process.env.THREATLAB_TRAINING_ENGINE;
  if (named === undefined || named === '' || named === 'auto') return 'auto';
  if (named === 'tfjs') return 'tfjs';
  throw new ThreatlabError('usage', `THREATLAB_TRAINING_ENGINE is "${named}"; set it to auto (onnxruntime's native kernels where they fit) or tfjs (tfjs-wasm everywhere), or unset it`);
}

/** Trained float32 values as float64 layers. */
function denseLayers(sizes: number[], weights: Float32Array[], biases: Float32Array[], hidden: Activation, output: Activation): DenseLayer[] {
  return weights.map((w, l) => ({
    inputs: sizes[l],
    outputs: sizes[l + 1],
    weights: Float64Array.from(w),
    biases: Float64Array.from(biases[l]),
    activation: l === weights.length - 1 ? output : hidden,
  }));
}

/** Trains a dense network; the output activation is softmax (labels, distributions) or sigmoid (reconstruction). */
export async function trainDense(features: Matrix, objective: NetworkObjective, options: DenseTrainingOptions): Promise<DenseTrainingResult> {
  const { sizes, rng } = options;
  const initialWeights = sizes.slice(1).map((outputs, l) => glorotUniform(rng, sizes[l] * outputs, sizes[l], outputs));
  const outputActivation: Activation = objective.kind === 'reconstruction' ? 'sigmoid' : 'softmax';
  const native = (options.engine ?? defaultEngine()) !== 'tfjs';
  // DP-SGD's clipped sums in one onnxruntime call a step (native-dense.ts); rows scaled by the trainer stay on tfjs.
  const privateNative = native && options.privacy && !options.inputScaling && objective.kind === 'classification';
  const inPlace = !privateNative && !options.privacy && native && nativeEngineFits(objective, options);
  if (options.only && !inPlace) features = selectRows(features, options.only);
  if (privateNative || inPlace) {
    const spec = { sizes, hidden: options.hiddenActivation, l2: options.l2, output: outputActivation === 'sigmoid' ? ('sigmoid' as const) : ('softmax' as const) };
    const initial = [...initialWeights, ...sizes.slice(1).map((outputs) => new Float32Array(outputs))];
    const { parameters, ...history } = privateNative
      ? await trainNativePrivately(features, objective, densePrivateStepGraphs(spec), initial, options, options.privacy!, options.threads)
      : await trainDenseNative(features, objective, spec, initial, options, options.threads, options.inputScaling, options.only);
    const depth = sizes.length - 1;
    return { ...history, layers: denseLayers(sizes, parameters.slice(0, depth), parameters.slice(depth), options.hiddenActivation, outputActivation) };
  }
  if (options.inputScaling) return trainDenseOnTfjs(options.inputScaling.transform(features), objective, options, initialWeights, outputActivation, options.inputScaling);
  return trainDenseOnTfjs(features, objective, options, initialWeights, outputActivation);
}

/** The tfjs engine (DP-SGD, reconstruction, per-batch hooks, or asked for); rows scaled by `scaling` already, validation rows not yet. */
async function trainDenseOnTfjs(features: Matrix, objective: NetworkObjective, options: DenseTrainingOptions, initialWeights: Float32Array[], outputActivation: Activation, scaling?: ColumnScaler): Promise<DenseTrainingResult> {
  // Started here, not above: the native engine needs no tfjs backend (starting it took 13–23 ms of a first fit).
  await initBackend();
  const { sizes } = options;
  if (scaling && options.validation) options = { ...options, validation: { ...options.validation, features: scaling.transform(options.validation.features) } };
  const weights = initialWeights.map((values, l) => tf.variable(tf.tensor2d(values, [sizes[l], sizes[l + 1]])));
  const biases = sizes.slice(1).map((outputs) => tf.variable(tf.zeros([outputs])));
  const hidden = options.hiddenActivation;
  const forward = (input: tf.Tensor2D, atOp: (l: number, opInput: tf.Tensor, opOutput: tf.Tensor) => tf.Tensor): tf.Tensor2D => {
    let current: tf.Tensor2D = input;
    weights.forEach((w, l) => {
      const z = atOp(l, current, tf.add(tf.matMul(current, w), biases[l])) as tf.Tensor2D;
      current = l === weights.length - 1 ? z : activateTensor(z, hidden);
    });
    return current;
  };
  const scores = (input: tf.Tensor2D): tf.Tensor2D => forward(input, (_l, _input, output) => output);
  const ops: LinearOp[] = weights.map((weight, l) => ({ kind: 'dense', weight, bias: biases[l] }));
  const network = { variables: [...weights, ...biases], penalized: weights, scores, ops, forward };
  const history = options.privacy ? await trainPrivately(network, features, objective, options, options.privacy) : await trainNetwork(network, features, objective, options);
  const layers = denseLayers(sizes, weights.map((w) => w.dataSync() as Float32Array), biases.map((b) => b.dataSync() as Float32Array), hidden, outputActivation);
  [...weights, ...biases].forEach((v) => v.dispose());
  return { ...history, layers };
}
