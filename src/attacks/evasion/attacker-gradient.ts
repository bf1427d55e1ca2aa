/**
 * The gradient the white-box attacks follow — of `attackerLoss` (gradient-problem.ts) with respect
 * to the inputs — and the class scores at the same rows, on plain float32 arrays, so that FGSM and
 * PGD (Goodfellow et al. 2015; Madry et al. 2018) take their steps in one JavaScript pass instead of
 * a dozen tfjs operations (tfjs-wasm's Maximum and Minimum against a 1 × d box took 2.8 ms each on
 * 50 MNIST rows; a whole PGD step was ~7 ms, PyTorch's 0.3 ms).
 *
 * Dense networks (linear classifiers, MLPs) run as one onnxruntime graph: the forward pass to the
 * scores, the loss's gradient at the scores written out, and back-propagation to the inputs, in
 * onnxruntime's native float32 kernels. Other models (the CNN) take tfjs's gradient of the same loss.
 */

import * as ort from 'onnxruntime-node';
import { tf } from '../../backend/tf.ts';
import type { DenseLayer } from '../../models/neural/dense-network.ts';
import { activate, throughActivation } from '../../models/neural/native/dense-step-graph.ts';
import { FLOAT, GraphBuilder } from '../../models/neural/native/onnx-graph.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { MARGIN_WEIGHT, attackerLoss, oneHotTensor } from './gradient-problem.ts';

/** Scores (rows × classes) and the attacker loss's gradient (rows × inputs) at a batch of rows. */
export interface GradientAt {
  logits: Float32Array;
  gradient: Float32Array;
}

/** The gradient of the attacker loss toward (`targeted`) or away from `aim` at `rows` rows of `x`. */
export type AttackerGradient = (x: Float32Array, rows: number, aim: Int32Array, targeted: boolean) => Promise<GradientAt>;

type HiddenActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

/** The hidden activations a graph is built for; undefined when a hidden layer has another (softmax). */
function hiddenActivations(layers: readonly DenseLayer[]): HiddenActivation[] | undefined {
  const hidden = layers.slice(0, -1).map((layer) => layer.activation);
  return hidden.every((activation): activation is HiddenActivation => activation !== 'softmax') ? hidden : undefined;
}

/**
 * The graph: inputs `x` (batch × d), `aim` (batch × classes, one-hot), `sign` (+1 away from the
 * aim, −1 toward it) and the layers' `w<l>`, `b<l>`; outputs `logits` and `gradient`. With
 * Z the scores, p = softmax(Z), y the aim and e the indicator of the largest score other than the
 * aim's (every one where tied, as tfjs's max gradient has it), the loss per row is
 * sign · (CE(y) − 10⁻³ · margin) and its gradient at Z is sign · ((p − y) − 10⁻³ · (y − e)).
 * A single-output layer (binary logistic) scores (0, z); its gradient is the second column's.
 */
export function attackerGradientGraph(sizes: number[], hidden: HiddenActivation[]): Uint8Array {
  const g = new GraphBuilder();
  const last = sizes.length - 2;
  const binary = sizes[last + 1] === 1;
  const classes = binary ? 2 : sizes[last + 1];
  const x = g.input('x', ['batch', sizes[0]]);
  const aim = g.input('aim', ['batch', classes]);
  const sign = g.input('sign', []);
  const activations = [x];
  let z = x;
  for (let l = 0; l <= last; l++) {
    g.input(`w${l}`, [sizes[l], sizes[l + 1]]);
    g.input(`b${l}`, [sizes[l + 1]]);
    z = g.node('Gemm', [activations[l], `w${l}`, `b${l}`]);
    if (l < last) activations.push(activate(g, z, hidden[l]));
  }
  const logits = binary ? g.node('Concat', [g.node('ConstantOfShape', [g.node('Shape', [z])]), z], { axis: { int: 1 } }, 'logits') : g.node('Identity', [z], {}, 'logits');
  const probabilities = g.node('Exp', [g.node('LogSoftmax', [logits], { axis: { int: 1 } })]);
  const masked = g.node('Sub', [logits, g.node('Mul', [aim, g.constant([1e9])])]);
  const largest = g.node('ReduceMax', [masked], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const others = g.node('Cast', [g.node('Equal', [masked, largest])], { to: { int: FLOAT } });
  const crossEntropy = g.node('Sub', [probabilities, aim]);
  const marginTerm = g.node('Mul', [g.node('Sub', [aim, others]), g.constant([MARGIN_WEIGHT])]);
  let delta = g.node('Mul', [g.node('Sub', [crossEntropy, marginTerm]), sign]);
  if (binary) delta = g.node('Slice', [delta, g.integers([1]), g.integers([2]), g.integers([1])]);
  const one = g.constant([1]);
  const zero = g.constant([0]);
  for (let l = last; l >= 0; l--) {
    const back = g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }, l === 0 ? 'gradient' : undefined);
    if (l > 0) delta = throughActivation(g, back, activations[l], hidden[l - 1], one, zero);
  }
  g.output('logits', ['batch', classes]);
  g.output('gradient', ['batch', sizes[0]]);
  return g.serialise('attacker-gradient');
}

// One session per architecture, made once per process.
const sessions = new Map<string, Promise<ort.InferenceSession>>();

function sessionFor(sizes: number[], hidden: HiddenActivation[]): Promise<ort.InferenceSession> {
  const key = JSON.stringify([sizes, hidden]);
  let session = sessions.get(key);
  if (!session) {
    const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 };
    session = nativeCall(() => ort.InferenceSession.create(attackerGradientGraph(sizes, hidden), options));
    if (sessions.size >= 16) sessions.delete(sessions.keys().next().value!);
    sessions.set(key, session);
  }
  return session;
}

/** The attacker gradient of a stack of dense layers on onnxruntime; undefined when a hidden layer's activation has no graph here. */
export function denseAttackerGradient(layers: readonly DenseLayer[]): AttackerGradient | undefined {
  const hidden = hiddenActivations(layers);
  if (!hidden) return undefined;
  const sizes = [layers[0].inputs, ...layers.map((layer) => layer.outputs)];
  const classes = sizes[sizes.length - 1] === 1 ? 2 : sizes[sizes.length - 1];
  const parameters: Record<string, ort.Tensor> = {};
  layers.forEach((layer, l) => {
    parameters[`w${l}`] = new ort.Tensor('float32', Float32Array.from(layer.weights), [layer.inputs, layer.outputs]);
    parameters[`b${l}`] = new ort.Tensor('float32', Float32Array.from(layer.biases), [layer.outputs]);
  });
  return async (x, rows, aim, targeted) => {
    const session = await sessionFor(sizes, hidden);
    const oneHot = new Float32Array(rows * classes);
    for (let i = 0; i < rows; i++) oneHot[i * classes + aim[i]] = 1;
    const feeds = {
      ...parameters,
      x: new ort.Tensor('float32', x.subarray(0, rows * sizes[0]), [rows, sizes[0]]),
      aim: new ort.Tensor('float32', oneHot, [rows, classes]),
      sign: new ort.Tensor('float32', Float32Array.of(targeted ? -1 : 1), []),
    };
    const result = await nativeCall(() => session.run(feeds));
    return { logits: result.logits.data as Float32Array, gradient: result.gradient.data as Float32Array };
  };
}

/** The same gradient through tfjs, for any model with differentiable scores (the CNN). */
export function tfjsAttackerGradient(logits: (input: tf.Tensor2D) => tf.Tensor2D, inputSize: number, classes: number): AttackerGradient {
  return async (x, rows, aim, targeted) => {
    const labels = oneHotTensor(aim.subarray(0, rows), classes);
    const input = tf.tensor2d(x.subarray(0, rows * inputSize), [rows, inputSize]);
    const [scores, gradient] = tf.tidy(() => [logits(input), tf.grad((at: tf.Tensor) => tf.sum(attackerLoss(logits(at as tf.Tensor2D), labels, targeted)))(input)]);
    try {
      return { logits: (await scores.data()) as Float32Array, gradient: (await gradient.data()) as Float32Array };
    } finally {
      tf.dispose([labels, input, scores, gradient]);
    }
  };
}
