/**
 * A white-box classifier as differentiable class scores (logits) on tfjs, for the gradient
 * attacks of evasion (Szegedy et al. 2014; Goodfellow et al. 2015; Madry et al. 2018; Carlini &
 * Wagner 2017; Moosavi-Dezfooli et al. 2016). Their margins are on the scores before the output
 * activation: softmax scores as they are, a binary logistic model's one score z as the pair
 * (0, z) (whose softmax is its two probabilities), one-vs-rest scores as they are (their argmax is
 * the prediction). Gradients are float32; every adversarial row is checked on the float64 model.
 * FGSM and PGD take the attacker loss's gradient from one onnxruntime graph of the model
 * (attacker-gradient.ts); C&W its whole objective (cw-objective.ts), DeepFool its step's
 * linearisation and boundary (deepfool-step.ts) and L-BFGS a class's cross-entropy
 * (cross-entropy-gradient.ts), each from a graph of its own (gradient-graphs.ts); a model
 * without a graph (a hidden softmax layer) has only the tfjs scores, which every attack can
 * differentiate.
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { transpose } from '../../math/linalg.ts';
import { CapabilityError } from '../../errors.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { Cnn } from '../../models/neural/cnn.ts';
import type { Classifier } from '../../models/types.ts';
import { applyLayers, disposeLayers, tensorLayer, type TensorLayer } from '../inversion/differentiable.ts';
import { cnnGraphModel, denseGraphModel, placedGradient, tfjsAttackerGradient, type AttackerGradient, type GraphModel } from './attacker-gradient.ts';
import { nativeDeepFoolStep, type DeepFoolStep } from './deepfool-step.ts';
import { nativeCrossEntropy, type CrossEntropyGradient } from './cross-entropy-gradient.ts';
import { nativeCwObjective, type CwObjective } from './cw-objective.ts';
import type { DenseLayer } from '../../models/neural/dense-network.ts';

/** Class scores of a batch, differentiable in the inputs. */
export interface LogitModel {
  inputSize: number;
  classes: number;
  /** Scores (rows × classes) whose argmax is the model's prediction. */
  logits(input: tf.Tensor2D): tf.Tensor2D;
  /** The scores and the attacker loss's gradient at rows of float32 inputs, for a call or two. */
  gradientAt: AttackerGradient;
  /**
   * The same gradient for a run that takes `rowSteps` row-gradients in all (PGD: rows × steps;
   * FGSM: rows): on a session of the model's own once the run is long enough to pay for it (or the
   * session is made already), else `gradientAt`.
   */
  gradientForRun(rowSteps: number): AttackerGradient;
  /** Carlini & Wagner's objective and its gradient on onnxruntime, where the model has a graph (else C&W differentiates `logits` in tfjs). */
  cwObjective?: CwObjective;
  /** DeepFool's linearisation and choice of boundary on onnxruntime, where the model has a graph (else DeepFool differentiates `logits` in tfjs). */
  deepFoolStep?: DeepFoolStep;
  /** A class's cross-entropy and its gradient at a row on onnxruntime, where the model has a graph (else L-BFGS differentiates `logits` in tfjs). */
  crossEntropy?: CrossEntropyGradient;
  dispose(): void;
}

/** Scores of the last dense layer before its activation; one sigmoid output becomes (0, z). */
function lastLayerScores(hidden: tf.Tensor2D, last: TensorLayer): tf.Tensor2D {
  const z = tf.add(tf.matMul(hidden, last.weights), last.biases) as tf.Tensor2D;
  if (z.shape[1] === 1) return tf.concat([tf.zerosLike(z), z], 1);
  return z;
}

function denseLogits(layers: TensorLayer[]): (input: tf.Tensor2D) => tf.Tensor2D {
  return (input) => lastLayerScores(applyLayers(layers.slice(0, -1), input), layers[layers.length - 1]);
}

function cnnLogits(model: Cnn): { logits: (input: tf.Tensor2D) => tf.Tensor2D; tensors: tf.Tensor[] } {
  const kernels = model.convolutions.map((block) => tf.tensor4d(Float32Array.from(block.weights), [block.kernelSize, block.kernelSize, block.inputChannels, block.filters]));
  const biases = model.convolutions.map((block) => tf.tensor1d(Float32Array.from(block.biases)));
  const dense = model.dense.map(tensorLayer);
  const { height, width, channels } = model.image;
  const flat = model.dense[0].inputs;
  const head = denseLogits(dense);
  return {
    logits: (input) => {
      let current = tf.reshape(input, [-1, height, width, channels]) as tf.Tensor4D;
      kernels.forEach((kernel, b) => {
        current = tf.maxPool(tf.relu(tf.add(tf.conv2d(current, kernel, 1, 'valid'), biases[b])) as tf.Tensor4D, 2, 2, 'valid');
      });
      return head(tf.reshape(current, [-1, flat]) as tf.Tensor2D);
    },
    tensors: [...kernels, ...biases, ...dense.flatMap((layer) => [layer.weights, layer.biases])],
  };
}

/**
 * Row-gradients a run must take before a CNN's own session pays for itself within the run. Its
 * blocks' convolutions, made straight into the pooling's planes with shifted kernels
 * (cnn-block-graph.ts), are held weights onnxruntime lays out once: on the MNIST CNN 8-16 a 50-row
 * gradient call took 1.42 ms on the own session against 1.66–1.74 fed (200 rows: 5.75–6.0 against
 * 6.9–7.1), and the own session cost 7.5–10 ms to make and 1–2 ms more on its first call — about
 * 1,700 row-gradients' saving (the full-size convolutions before cost 25–80 ms to set up, for
 * 5–8 µs a row-gradient: 16,000 then). So 2,000: a 50-row PGD run of 40 steps takes it (evasion
 * bench, 50 rows: 1.38–1.39 → 1.21 ms an example on the first run, 1.36–1.38 → 1.12–1.13 on
 * further runs), a 50-row FGSM run does not.
 */
export const CNN_OWN_SESSION_ROW_STEPS = 2000;

/**
 * The same for an MLP or a linear model. The MNIST MLP 784-128-10's gradient on 50 rows: 150 µs a
 * call on its own session (its Gemms' weights packed once) against 210–250 µs fed, hot; PGD's
 * further runs 177–183 against 210–240 µs an example in three alternating runs each — ~1.4 µs a
 * row-gradient. Its own session takes 2.6 ms to make (median of 30 models; 7.6 at the 90th
 * percentile) against 1.6 ms for a session of a new architecture — and nothing for one already
 * made — so it pays for itself after ~700–1,800 row-gradients: from 1,500 (a 50-row PGD run of 40
 * steps takes it, a 50-row FGSM run does not).
 */
export const DENSE_OWN_SESSION_ROW_STEPS = 1500;

/** The native (onnxruntime) gradients of a model: weights fed to a session of its architecture, and its own session for long runs. */
interface NativeGradients {
  shared: AttackerGradient;
  own?: AttackerGradient;
  /** The row-gradients from which a run takes `own`. */
  ownFrom: number;
  /** Whether a run has used `own` (its session is made, or being made). */
  ownUsed: boolean;
  cw: CwObjective;
  deepFool: DeepFoolStep;
  crossEntropy: CrossEntropyGradient;
}

/** The model with its attacker gradients: `native` (onnxruntime) where given, else tfjs's of its scores. */
function withGradient(model: Omit<LogitModel, 'gradientAt' | 'gradientForRun' | 'cwObjective' | 'deepFoolStep' | 'crossEntropy'>, native?: NativeGradients): LogitModel {
  if (!native) {
    const tfjs = tfjsAttackerGradient(model.logits, model.inputSize, model.classes);
    return { ...model, gradientAt: tfjs, gradientForRun: () => tfjs };
  }
  const gradientForRun = (rowSteps: number) => {
    if (!native.own || !(native.ownUsed || rowSteps >= native.ownFrom)) return native.shared;
    native.ownUsed = true;
    return native.own;
  };
  return { ...model, gradientAt: native.shared, gradientForRun, cwObjective: native.cw, deepFoolStep: native.deepFool, crossEntropy: native.crossEntropy };
}

/** The native gradients of a graph model: the architecture's session, the model's own from `ownFrom` row-gradients, C&W's objective, DeepFool's step and a class's cross-entropy. */
function nativeOf(graph: GraphModel | undefined, ownFrom: number): NativeGradients | undefined {
  return graph && { shared: placedGradient('shared', graph), own: placedGradient('own', graph), ownFrom, ownUsed: false, cw: nativeCwObjective(graph), deepFool: nativeDeepFoolStep(graph), crossEntropy: nativeCrossEntropy(graph) };
}

// A model's native gradients (its weights as float32 arrays; its own session once made), made once per model.
const nativeGradients = new WeakMap<Classifier, NativeGradients | undefined>();

/** Scores of dense layers; their tfjs tensors are made on first use (FGSM and PGD take the native gradient and need none). */
function denseLogitModel(model: Classifier, layers: readonly DenseLayer[]): LogitModel {
  let tensors: TensorLayer[] | undefined;
  const logits = (input: tf.Tensor2D) => {
    // Kept: a first use inside an attack's tf.tidy must not dispose them.
    tensors ??= layers.map((layer) => { const made = tensorLayer(layer); tf.keep(made.weights); tf.keep(made.biases); return made; });
    return denseLogits(tensors)(input);
  };
  // A short run on the session of the architecture (no set-up for a model), a long one on the model's own.
  if (!nativeGradients.has(model)) nativeGradients.set(model, nativeOf(denseGraphModel(layers), DENSE_OWN_SESSION_ROW_STEPS));
  return withGradient({ inputSize: model.inputSize, classes: model.classes.length, logits, dispose: () => tensors && disposeLayers(tensors) }, nativeGradients.get(model));
}

/** The differentiable scores of a linear classifier, an MLP or a CNN; other kinds get a capability error naming the black-box attacks. */
export async function logitModel(model: Classifier): Promise<LogitModel> {
  await initBackend();
  if (model instanceof LinearClassifier) {
    const { rows: scores, cols: d } = model.weights;
    return denseLogitModel(model, [{ inputs: d, outputs: scores, weights: transpose(model.weights).data, biases: model.biases, activation: 'linear' }]);
  }
  if (model instanceof Mlp) return denseLogitModel(model, model.layers);
  if (model instanceof Cnn) {
    const { logits, tensors } = cnnLogits(model);
    // A long PGD run goes on the CNN's own session, whose filters onnxruntime lays out in its
    // blocked format once (PGD on the MNIST CNN, 50 rows, further runs beside PyTorch in the same
    // run: 0.88–0.93× PyTorch's time against 1.00–1.07× fed; the first batch 20–40 ms longer).
    if (!nativeGradients.has(model)) nativeGradients.set(model, nativeOf(cnnGraphModel(model), CNN_OWN_SESSION_ROW_STEPS));
    return withGradient({ inputSize: model.inputSize, classes: model.classes.length, logits, dispose: () => tf.dispose(tensors) }, nativeGradients.get(model));
  }
  throw new CapabilityError(
    `the white-box evasion attacks need the gradients of a ${model.kind} model; they differentiate linear classifiers, MLPs and CNNs. Use a decision-based attack (hop-skip-jump, boundary) through its answers, or the transfer attack from a differentiable surrogate`,
  );
}
