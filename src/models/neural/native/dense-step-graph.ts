/**
 * One training step of a dense network as an ONNX graph: the forward pass, softmax
 * cross-entropy (mean over the batch, plus l2/2 · Σ‖W‖² as the tfjs loop adds it), the gradients
 * by back-propagation written out layer by layer, and the Adam (Kingma & Ba 2015) or SGD update —
 * one onnxruntime call a batch, so the matrix products run in its native GEMM kernels. A second
 * graph computes the loss alone (validation).
 *
 * Names: parameters `w0, w1, …, b0, b1, …` (the tfjs loop's variable order: weights, then biases),
 * Adam's moments `m_<name>`, `v_<name>`; each state's updated value is `next_<state>`.
 */

import type { Activation } from '../dense-network.ts';
import { GraphBuilder } from './onnx-graph.ts';

/** What a graph is built for. */
export interface DenseGraphSpec {
  /** Layer widths from input to output. */
  sizes: number[];
  hidden: Exclude<Activation, 'softmax'>;
  l2: number;
  optimizer: 'adam' | 'sgd';
}

/** Adam's constants (tfjs's defaults; ε is tfjs-wasm's float32 epsilon). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Parameter names in the tfjs loop's variable order, with their shapes. */
export function parameterShapes(sizes: number[]): { name: string; dims: number[] }[] {
  const layers = sizes.slice(1).map((outputs, l) => ({ inputs: sizes[l], outputs, l }));
  return [
    ...layers.map(({ inputs, outputs, l }) => ({ name: `w${l}`, dims: [inputs, outputs] })),
    ...layers.map(({ outputs, l }) => ({ name: `b${l}`, dims: [outputs] })),
  ];
}

/** Every tensor a step carries over: the parameters, then (Adam) each one's two moments. */
export function stateShapes(spec: DenseGraphSpec): { name: string; dims: number[] }[] {
  const parameters = parameterShapes(spec.sizes);
  if (spec.optimizer === 'sgd') return parameters;
  return [...parameters, ...parameters.map((p) => ({ ...p, name: `m_${p.name}` })), ...parameters.map((p) => ({ ...p, name: `v_${p.name}` }))];
}

function activate(g: GraphBuilder, z: string, hidden: DenseGraphSpec['hidden']): string {
  switch (hidden) {
    case 'relu':
      return g.node('Relu', [z]);
    case 'tanh':
      return g.node('Tanh', [z]);
    case 'sigmoid':
      return g.node('Sigmoid', [z]);
    case 'linear':
      return z;
  }
}

/** δ·f′ written with the activation's output a = f(z): relu 1[a > 0], tanh 1 − a², sigmoid a(1 − a). */
function throughActivation(g: GraphBuilder, delta: string, a: string, hidden: DenseGraphSpec['hidden'], one: string): string {
  switch (hidden) {
    case 'relu':
      return g.node('Mul', [delta, g.node('Sign', [a])]);
    case 'tanh':
      return g.node('Mul', [delta, g.node('Sub', [one, g.node('Mul', [a, a])])]);
    case 'sigmoid':
      return g.node('Mul', [delta, g.node('Mul', [a, g.node('Sub', [one, a])])]);
    case 'linear':
      return delta;
  }
}

interface Forward {
  /** Each layer's input (activations[0] is x). */
  activations: string[];
  logits: string;
  loss: string;
}

/** Inputs x, y, scale (1 / batch rows) and the parameters; the forward pass and the loss. */
function forwardAndLoss(g: GraphBuilder, spec: DenseGraphSpec, lossName: string): Forward {
  const { sizes } = spec;
  const last = sizes.length - 2;
  const x = g.input('x', ['batch', sizes[0]]);
  const y = g.input('y', ['batch', sizes[last + 1]]);
  const scale = g.input('scale', []);
  for (const { name, dims } of parameterShapes(sizes)) g.input(name, dims);
  const activations = [x];
  let logits = x;
  for (let l = 0; l <= last; l++) {
    const z = g.node('Gemm', [activations[l], `w${l}`, `b${l}`]);
    if (l === last) logits = z;
    else activations.push(activate(g, z, spec.hidden));
  }
  const logProbabilities = g.node('LogSoftmax', [logits], { axis: { int: 1 } });
  const crossEntropy = g.node('Mul', [g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [y, logProbabilities])], { keepdims: { int: 0 } })]), scale]);
  let loss = crossEntropy;
  if (spec.l2 > 0) {
    const squares = Array.from({ length: last + 1 }, (_, l) => g.node('ReduceSumSquare', [`w${l}`], { keepdims: { int: 0 } }));
    const penalty = squares.length === 1 ? squares[0] : g.node('Sum', squares);
    loss = g.node('Add', [crossEntropy, g.node('Mul', [penalty, g.constant([spec.l2 / 2])])]);
  }
  g.node('Identity', [loss], {}, lossName);
  g.output(lossName, []);
  return { activations, logits, loss: lossName };
}

/** The loss alone, for a validation set. */
export function lossGraph(spec: DenseGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  forwardAndLoss(g, spec, 'loss');
  return g.serialise('dense-loss');
}

/** Gradients of the loss in parameter order (w0…, b0…). */
function backward(g: GraphBuilder, spec: DenseGraphSpec, forward: Forward): Map<string, string> {
  const last = spec.sizes.length - 2;
  const one = spec.hidden === 'tanh' || spec.hidden === 'sigmoid' ? g.constant([1]) : '';
  const probabilities = g.node('Exp', [g.node('LogSoftmax', [forward.logits], { axis: { int: 1 } })]);
  // ∂loss/∂logits = (softmax − y) / rows, for target rows that sum to 1 (labels, distributions).
  let delta = g.node('Mul', [g.node('Sub', [probabilities, 'y']), 'scale']);
  const gradients = new Map<string, string>();
  const firstAxis = g.integers([0]);
  for (let l = last; l >= 0; l--) {
    let weightGradient = g.node('Gemm', [forward.activations[l], delta], { transA: { int: 1 } });
    if (spec.l2 > 0) weightGradient = g.node('Add', [weightGradient, g.node('Mul', [`w${l}`, g.constant([spec.l2])])]);
    gradients.set(`w${l}`, weightGradient);
    gradients.set(`b${l}`, g.node('ReduceSum', [delta, firstAxis], { keepdims: { int: 0 } }));
    if (l > 0) delta = throughActivation(g, g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }), forward.activations[l], spec.hidden, one);
  }
  return gradients;
}

/**
 * The step: inputs x, y, scale, rate (the learning rate), for Adam correction1 = 1 − β1^t and
 * correction2 = 1 − β2^t, and every state; outputs loss (before the step) and `next_<state>`.
 */
export function stepGraph(spec: DenseGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  const forward = forwardAndLoss(g, spec, 'loss');
  const gradients = backward(g, spec, forward);
  const rate = g.input('rate', []);
  const parameters = parameterShapes(spec.sizes);
  if (spec.optimizer === 'sgd') {
    for (const { name, dims } of parameters) {
      g.node('Sub', [name, g.node('Mul', [gradients.get(name)!, rate])], {}, `next_${name}`);
      g.output(`next_${name}`, dims);
    }
    return g.serialise('dense-sgd-step');
  }
  for (const { name, dims } of stateShapes(spec).slice(parameters.length)) g.input(name, dims);
  const correction1 = g.input('correction1', []);
  const correction2 = g.input('correction2', []);
  const [beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon] = [ADAM.beta1, ADAM.beta2, 1 - ADAM.beta1, 1 - ADAM.beta2, ADAM.epsilon].map((c) => g.constant([c]));
  for (const { name } of parameters) {
    const gradient = gradients.get(name)!;
    const m = g.node('Add', [g.node('Mul', [`m_${name}`, beta1]), g.node('Mul', [gradient, oneMinusBeta1])], {}, `next_m_${name}`);
    const v = g.node('Add', [g.node('Mul', [`v_${name}`, beta2]), g.node('Mul', [g.node('Mul', [gradient, gradient]), oneMinusBeta2])], {}, `next_v_${name}`);
    const denominator = g.node('Add', [g.node('Sqrt', [g.node('Div', [v, correction2])]), epsilon]);
    const change = g.node('Div', [g.node('Mul', [g.node('Div', [m, correction1]), rate]), denominator]);
    g.node('Sub', [name, change], {}, `next_${name}`);
  }
  for (const { name, dims } of stateShapes(spec)) g.output(`next_${name}`, dims);
  return g.serialise('dense-adam-step');
}
