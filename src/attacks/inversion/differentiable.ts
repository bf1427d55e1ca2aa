/**
 * A white-box classifier as a differentiable tfjs function, for gradient-based inversion
 * (MI-Face, Fredrikson et al. CCS 2015 §5.2): the model's float64 parameters become float32
 * tensors and the forward pass is rebuilt from tfjs ops, so tfjs differentiates it. Inversion
 * needs no more precision than float32; queries to the model itself stay float64.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { transpose } from '../../math/linalg.ts';
import { CapabilityError } from '../../errors.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import type { Activation, DenseLayer } from '../../models/neural/dense-network.ts';
import { activateTensor as activateHidden } from '../../models/neural/train-dense.ts';
import type { Classifier } from '../../models/types.ts';

/** A dense layer on tensors. */
export interface TensorLayer {
  weights: tf.Tensor2D;
  biases: tf.Tensor1D;
  activation: Activation | 'ovr' | 'logistic';
}

/** Class probabilities of a batch of inputs, differentiable in the inputs. */
export interface DifferentiableClassifier {
  inputSize: number;
  classes: number;
  layers: TensorLayer[];
  /** Frees the tensors. */
  dispose(): void;
}

function activateTensor(z: tf.Tensor2D, activation: TensorLayer['activation']): tf.Tensor2D {
  switch (activation) {
    case 'softmax':
      return tf.softmax(z);
    case 'ovr': {
      const s = tf.sigmoid(z);
      return tf.div(s, tf.sum(s, 1, true)) as tf.Tensor2D;
    }
    case 'logistic': {
      const p = tf.sigmoid(z);
      return tf.concat([tf.sub(1, p) as tf.Tensor2D, p], 1);
    }
    default:
      return activateHidden(z, activation);
  }
}

/** Runs a batch through tensor layers. */
export function applyLayers(layers: readonly TensorLayer[], input: tf.Tensor2D): tf.Tensor2D {
  let current = input;
  for (const layer of layers) current = activateTensor(tf.add(tf.matMul(current, layer.weights), layer.biases), layer.activation);
  return current;
}

/**
 * Log-probabilities of a batch, computed from the last layer's scores (log-softmax, log-sigmoid),
 * so they stay finite where the probabilities underflow float32.
 */
export function logProbabilities(layers: readonly TensorLayer[], input: tf.Tensor2D): tf.Tensor2D {
  const hidden = applyLayers(layers.slice(0, -1), input);
  const last = layers[layers.length - 1];
  const z = tf.add(tf.matMul(hidden, last.weights), last.biases) as tf.Tensor2D;
  switch (last.activation) {
    case 'softmax':
      return tf.logSoftmax(z);
    case 'ovr': {
      const logSigmoid = tf.logSigmoid(z);
      return tf.sub(logSigmoid, tf.log(tf.sum(tf.exp(logSigmoid), 1, true))) as tf.Tensor2D;
    }
    case 'logistic':
      return tf.concat([tf.logSigmoid(tf.neg(z)) as tf.Tensor2D, tf.logSigmoid(z) as tf.Tensor2D], 1);
    default:
      return tf.log(tf.add(activateTensor(z, last.activation), 1e-30)) as tf.Tensor2D;
  }
}

/** A float64 dense layer as tensors. */
export function tensorLayer(layer: DenseLayer): TensorLayer {
  return {
    weights: tf.tensor2d(Float32Array.from(layer.weights), [layer.inputs, layer.outputs]),
    biases: tf.tensor1d(Float32Array.from(layer.biases)),
    activation: layer.activation,
  };
}

/** Frees the tensors of layers. */
export function disposeLayers(layers: readonly TensorLayer[]): void {
  for (const layer of layers) tf.dispose([layer.weights, layer.biases]);
}

/** The differentiable form of a linear classifier or an MLP; other kinds get a capability error. */
export async function differentiable(model: Classifier): Promise<DifferentiableClassifier> {
  await initBackend();
  let layers: TensorLayer[];
  if (model instanceof LinearClassifier) {
    const { rows: scores, cols: d } = model.weights;
    // weights are scores × features; a layer takes features × outputs.
    const transposed = Float32Array.from(transpose(model.weights).data);
    const activation = model.kind === 'softmax' ? 'softmax' : model.kind === 'ovr' ? 'ovr' : 'logistic';
    layers = [{ weights: tf.tensor2d(transposed, [d, scores]), biases: tf.tensor1d(Float32Array.from(model.biases)), activation }];
  } else if (model instanceof Mlp) {
    layers = model.layers.map(tensorLayer);
  } else {
    throw new CapabilityError(`MI-Face needs the gradients of a ${model.kind} model; it differentiates linear classifiers and MLPs (use the black-box variant through an oracle, or invert an extracted surrogate)`);
  }
  return { inputSize: model.inputSize, classes: model.classes.length, layers, dispose: () => disposeLayers(layers) };
}
