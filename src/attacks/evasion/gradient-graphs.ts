/**
 * The onnxruntime graphs of the white-box evasion attacks: a model's forward pass to its class
 * scores and the way back from a gradient at the scores to one at the inputs (dense layers, and
 * CNN blocks of valid convolution, relu and 2 × 2 max-pooling), closed by what each attack needs —
 * the attacker loss's gradient for FGSM and PGD (Goodfellow et al. 2015; Madry et al. 2018), and
 * Carlini & Wagner's whole L2 objective in tanh space (IEEE S&P 2017) with its gradient, DeepFool's
 * linearisation and choice of boundary (Moosavi-Dezfooli et al., CVPR 2016), and a class's
 * cross-entropy with its gradient for Szegedy et al.'s L-BFGS (ICLR 2014).
 */

import type { DenseLayer } from '../../models/neural/dense-network.ts';
import { blockOutput } from '../../models/neural/cnn.ts';
import { activate, throughActivation } from '../../models/neural/native/dense-step-graph.ts';
import { FLOAT, GraphBuilder } from '../../models/neural/native/onnx-graph.ts';
import { backThroughBlock, blockTrace, type BlockTrace } from '../../models/neural/native/cnn-block-graph.ts';
import { ThreatlabError } from '../../errors.ts';
import { MARGIN_WEIGHT } from './gradient-problem.ts';

export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

/** The hidden activations a graph is built for; undefined when a hidden layer has another (softmax). */
export function hiddenActivations(layers: readonly DenseLayer[]): HiddenActivation[] | undefined {
  const hidden = layers.slice(0, -1).map((layer) => layer.activation);
  return hidden.every((activation): activation is HiddenActivation => activation !== 'softmax') ? hidden : undefined;
}

/** A model's float32 parameters by name (`w<l>`, `b<l>`, `k<b>`, `c<b>`). */
export type GraphWeights = Record<string, { values: Float32Array; dims: number[] }>;

/**
 * The parameter `name` (of shape `dims`): held in the graph when `weights` are given (a model's
 * own graph), else an input of that name (a graph of the architecture, the weights fed each run).
 */
function parameter(g: GraphBuilder, weights: GraphWeights | undefined, name: string, dims: number[]): string {
  if (!weights) return g.input(name, dims);
  const held = weights[name];
  if (!held || held.dims.join() !== dims.join()) throw new ThreatlabError('internal', `the attacker gradient's graph needs parameter ${name} as ${dims.join(' × ')}, got ${held ? held.dims.join(' × ') : 'none'}: a bug in threatlab, please report it with the model file`);
  return g.weight(name, held.values, dims);
}

/** Declares the dense layers' `w<l>`, `b<l>` and runs `input` through them: each layer's input, and the last layer's scores. */
function denseForward(g: GraphBuilder, input: string, weights: GraphWeights | undefined, sizes: number[], hidden: HiddenActivation[]): { activations: string[]; scores: string } {
  const last = sizes.length - 2;
  const activations = [input];
  let scores = input;
  for (let l = 0; l <= last; l++) {
    parameter(g, weights, `w${l}`, [sizes[l], sizes[l + 1]]);
    parameter(g, weights, `b${l}`, [sizes[l + 1]]);
    scores = g.node('Gemm', [activations[l], `w${l}`, `b${l}`]);
    if (l < last) activations.push(activate(g, scores, hidden[l]));
  }
  return { activations, scores };
}

/**
 * Inputs `aim` (batch × classes, one-hot) and `sign` (+1 away from the aim, −1 toward it); output
 * `logits`; returns the loss's gradient at the last layer's scores. With Z the logits, p =
 * softmax(Z), y the aim and e the indicator of the largest score other than the aim's (every one
 * where tied, as tfjs's max gradient has it), the loss per row is sign · (CE(y) − 10⁻³ · margin)
 * and its gradient at Z is sign · ((p − y) − 10⁻³ · (y − e)). A single score z (binary logistic)
 * makes the logits (0, z), and its gradient is the second column's.
 */
function scoreGradient(g: GraphBuilder, model: GraphNetwork): string {
  const { logits: scores, classes, toScores } = logitsOf(g, model);
  const aim = g.input('aim', ['batch', classes]);
  const sign = g.input('sign', []);
  const logits = g.node('Identity', [scores], {}, 'logits');
  g.output('logits', ['batch', classes]);
  const probabilities = g.node('Exp', [g.node('LogSoftmax', [logits], { axis: { int: 1 } })]);
  const { others } = largestOther(g, logits, aim);
  const marginTerm = g.node('Mul', [g.node('Sub', [aim, others]), g.constant([MARGIN_WEIGHT])]);
  return toScores(g.node('Mul', [g.node('Sub', [g.node('Sub', [probabilities, aim]), marginTerm]), sign]));
}

/** Each row's largest score other than the aim's (batch × 1), and the indicator of every score equal to it (batch × classes: every one where tied, as tfjs's max gradient has it). */
function largestOther(g: GraphBuilder, logits: string, aim: string): { largest: string; others: string } {
  const masked = g.node('Sub', [logits, g.node('Mul', [aim, g.constant([1e9])])]);
  const largest = g.node('ReduceMax', [masked], { axes: { ints: [1] }, keepdims: { int: 1 } });
  return { largest, others: g.node('Cast', [g.node('Equal', [masked, largest])], { to: { int: FLOAT } }) };
}

/** Back-propagates `delta` (at the last layer's scores) to the dense layers' input, in `g`; `name` names the result. */
function denseBackward(g: GraphBuilder, delta: string, activations: string[], hidden: HiddenActivation[], name?: string): string {
  const one = g.constant([1]);
  const zero = g.constant([0]);
  for (let l = activations.length - 1; l >= 0; l--) {
    const back = g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }, l === 0 ? name : undefined);
    if (l === 0) return back;
    delta = throughActivation(g, back, activations[l], hidden[l - 1], one, zero);
  }
  return delta;
}

/** A CNN's layout: the image, its blocks (valid convolution, relu, 2 × 2 max-pooling; cnn.ts) and its dense head. */
export interface CnnLayout {
  image: { height: number; width: number; channels: number };
  blocks: { kernelSize: number; inputChannels: number; filters: number }[];
  /** The dense head's widths, from the flattened last block to the classes. */
  sizes: number[];
  hidden: HiddenActivation[];
}

/**
 * A model in a graph: its scores at the input it was built on (`outputs` of them: one for a binary
 * logistic model), and the way back from a gradient at those scores to one at that input (rows ×
 * the input's width), the result named `name`, its nodes in `into` (by default the graph the model
 * was built in; a subgraph, such as a Scan's body, reads the forward pass's values by name).
 */
interface GraphNetwork {
  scores: string;
  outputs: number;
  back(delta: string, name?: string, into?: GraphBuilder): string;
}

/** Builds a model's network on `input` (rows × its input width) in `g`. */
export type NetworkBuilder = (g: GraphBuilder, input: string) => GraphNetwork;

/** Dense layers of `sizes` (inputs first) with `hidden` activations; their `w<l>`, `b<l>` held when `weights` are given, else inputs. */
export function denseNetwork(weights: GraphWeights | undefined, sizes: number[], hidden: HiddenActivation[]): NetworkBuilder {
  return (g, input) => {
    const { activations, scores } = denseForward(g, input, weights, sizes, hidden);
    return { scores, outputs: sizes[sizes.length - 1], back: (delta, name, into = g) => denseBackward(into, delta, activations, hidden, name) };
  };
}

/**
 * A CNN of `layout` on rows of images (height·width·channels, channels last as the model reads
 * them); each block's kernel `k<b>` (filters × input channels × k × k) and bias `c<b>`, and the
 * head's `w<l>`, `b<l>`. Back through a block: the pooled gradient sent to each window's first
 * maximum, zero where the relu was off, and the transposed convolution with the same kernel, as
 * one stride-2 transposed convolution (`backThroughBlock`).
 */
export function cnnNetwork(weights: GraphWeights | undefined, layout: CnnLayout): NetworkBuilder {
  return (g, input) => {
    const { height, width, channels } = layout.image;
    let current = g.node('Transpose', [g.node('Reshape', [input, g.integers([-1, height, width, channels])])], { perm: { ints: [0, 3, 1, 2] } });
    let [h, w] = [height, width];
    const saved: BlockTrace[] = [];
    layout.blocks.forEach((block, b) => {
      parameter(g, weights, `k${b}`, [block.filters, block.inputChannels, block.kernelSize, block.kernelSize]);
      parameter(g, weights, `c${b}`, [block.filters]);
      const convolved: [number, number] = [h - block.kernelSize + 1, w - block.kernelSize + 1];
      [h, w] = blockOutput(h, w, block.kernelSize);
      const trace = blockTrace(g, current, `k${b}`, `c${b}`, convolved, [h, w], block.filters);
      saved.push(trace);
      current = trace.pooledValues;
    });
    const filters = layout.blocks[layout.blocks.length - 1].filters;
    const flat = g.node('Reshape', [g.node('Transpose', [current], { perm: { ints: [0, 2, 3, 1] } }), g.integers([-1, h * w * filters])]);
    const head = denseNetwork(weights, layout.sizes, layout.hidden)(g, flat);
    return {
      scores: head.scores,
      outputs: head.outputs,
      back: (delta, name, into = g) => {
        let back = into.node('Transpose', [into.node('Reshape', [head.back(delta, undefined, into), into.integers([-1, h, w, filters])])], { perm: { ints: [0, 3, 1, 2] } });
        for (let b = layout.blocks.length - 1; b >= 0; b--) back = backThroughBlock(into, saved[b], back);
        return into.node('Reshape', [into.node('Transpose', [back], { perm: { ints: [0, 2, 3, 1] } }), into.integers([-1, height * width * channels])], {}, name);
      },
    };
  };
}

/**
 * The attacker gradient's graph: inputs `x` (batch × `inputSize`), `aim`, `sign` (and the
 * network's parameters where not held); outputs `logits` and `gradient` (batch × `inputSize`), the
 * attacker loss's gradient in the inputs.
 */
export function attackerGradientGraph(network: NetworkBuilder, inputSize: number, name: string): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', inputSize]);
  const model = network(g, x);
  model.back(scoreGradient(g, model), 'gradient');
  g.output('gradient', ['batch', inputSize]);
  return g.serialise(name);
}

/**
 * Carlini & Wagner's L2 objective (2017) for a batch, and its gradient in tanh space. Inputs: `w`
 * (batch × d), the variable; `x0` (batch × d), the rows attacked; `low` and `span` (1 × d), the
 * box, so that the image is x' = low + span · (tanh(w) + 1) / 2; `aim` (batch × classes, one-hot)
 * and `sign` (+1 away from the aim, −1 toward it); `c` (batch × 1), each row's constant; `floor`
 * (−κ). With Z the scores of x', the margin is m = sign · (Z_aim − max_{i≠aim} Z_i) (objective
 * f6: while positive, the goal is not met) and the objective ‖x' − x0‖² + c · max(m, −κ).
 * Outputs: `image` (x'), `distance` and `margin` (batch × 1; the margin unfloored) and `gradient`
 * (batch × d), the objective's gradient in w — as tfjs differentiates it (the margin's gradient
 * to every largest other score where tied, and through max(m, −κ) where m ≥ −κ).
 */
export function cwObjectiveGraph(network: NetworkBuilder, inputSize: number, name: string): Uint8Array {
  const g = new GraphBuilder();
  const w = g.input('w', ['batch', inputSize]);
  const x0 = g.input('x0', ['batch', inputSize]);
  const low = g.input('low', [1, inputSize]);
  const span = g.input('span', [1, inputSize]);
  const c = g.input('c', ['batch', 1]);
  const floor = g.input('floor', []);
  const t = g.node('Tanh', [w]);
  const image = g.node('Add', [low, g.node('Mul', [span, g.node('Div', [g.node('Add', [t, g.constant([1])]), g.constant([2])])])], {}, 'image');
  g.output('image', ['batch', inputSize]);
  const model = network(g, image);
  const { logits, classes, toScores } = logitsOf(g, model);
  const aim = g.input('aim', ['batch', classes]);
  const sign = g.input('sign', []);
  const own = g.node('ReduceSum', [g.node('Mul', [logits, aim]), g.integers([1])], { keepdims: { int: 1 } });
  const { largest, others } = largestOther(g, logits, aim);
  const margin = g.node('Mul', [g.node('Sub', [own, largest]), sign], {}, 'margin');
  g.output('margin', ['batch', 1]);
  const active = g.node('Cast', [g.node('Not', [g.node('Less', [margin, floor])])], { to: { int: FLOAT } });
  const delta = g.node('Mul', [g.node('Mul', [g.node('Sub', [aim, others]), sign]), g.node('Mul', [c, active])]);
  const atImage = model.back(toScores(delta));
  const difference = g.node('Sub', [image, x0]);
  g.node('ReduceSum', [g.node('Mul', [difference, difference]), g.integers([1])], { keepdims: { int: 1 } }, 'distance');
  g.output('distance', ['batch', 1]);
  const total = g.node('Add', [g.node('Mul', [difference, g.constant([2])]), atImage]);
  const throughTanh = g.node('Sub', [g.constant([1]), g.node('Mul', [t, t])]);
  g.node('Mul', [g.node('Mul', [total, g.node('Div', [span, g.constant([2])])]), throughTanh], {}, 'gradient');
  g.output('gradient', ['batch', inputSize]);
  return g.serialise(name);
}

/**
 * One DeepFool step's linearisation for a batch (Moosavi-Dezfooli et al. 2016): inputs `x` (batch
 * × `inputSize`), the box `low` and `high` (1 × `inputSize`) and `allowed` (batch × classes: 1 for
 * each class a row may be pushed to — every one untargeted, the target targeted). With p a row's
 * predicted class (the first largest score), every ∇Z_k − ∇Z_p comes from one forward pass and one
 * way back a class for the whole batch (copy k back-propagates e_k − e_p); then, with w_k that
 * difference restricted to the coordinates free to move along it (not
 * below `low` going down, nor above `high` going up), the allowed k ≠ p with the least
 * |Z_k − Z_p| / ‖w_k‖ (the first where tied). Outputs, per row: `predicted` (as a float), `gap`
 * (Z_k − Z_p), `norm2` (‖w_k‖²), each batch × 1, and `direction` (w_k, batch × `inputSize`).
 */
export function deepFoolStepGraph(network: NetworkBuilder, inputSize: number, classes: number, name: string): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', inputSize]);
  const low = g.input('low', [1, inputSize]);
  const high = g.input('high', [1, inputSize]);
  const allowed = g.input('allowed', ['batch', classes]);
  const model = network(g, x);
  const { logits, toScores } = logitsOf(g, model);
  const zero = g.constant([0]);
  const indices = g.integers(Array.from({ length: classes }, (_, k) => k));
  // One-hot rows (batch × classes) of a batch × 1 index.
  const oneHot = (index: string) => g.node('Cast', [g.node('Equal', [index, indices])], { to: { int: FLOAT } });
  const predicted = g.node('ArgMax', [logits], { axis: { int: 1 }, keepdims: { int: 1 } });
  g.node('Cast', [predicted], { to: { int: FLOAT } }, 'predicted');
  g.output('predicted', ['batch', 1]);
  const own = oneHot(predicted);
  // Copy k of the batch takes e_k − e_p back (classes × batch × classes, laid out as rows): the way
  // back is linear, so it gives ∇Z_k − ∇Z_p at once (zero for k = p).
  const identity = g.constant(Array.from({ length: classes * classes }, (_, k) => (k % (classes + 1) === 0 ? 1 : 0)), [classes, 1, classes]);
  const seeds = g.node('Reshape', [toScores(g.node('Reshape', [g.node('Sub', [identity, own]), g.integers([-1, classes])])), g.integers([classes, -1, model.outputs])]);
  // w with what would push a coordinate out of the box set to 0: clamped below at 0 where the row is
  // at `low` (else at −∞) and above at 0 where it is at `high` (else at +∞).
  const bound = (at: string, infinite: number) => g.node('Where', [at, zero, g.constant([infinite])]);
  const [floor, ceiling] = [bound(g.node('LessOrEqual', [x, low]), -Infinity), bound(g.node('GreaterOrEqual', [x, high]), Infinity)];
  // A Scan over the classes: each way back, clamp and norm is a batch's (batch × d), its memory
  // reused by the next; only the free w and ‖w‖² of each class are kept (classes × batch × d and
  // classes × batch). All the classes at once, the way back grew the arena 20–38 MB on a first
  // 50-row call on the MNIST CNN, fresh pages at ~12 µs each here (8 MB this way).
  const body = new GraphBuilder('scan_');
  const w = model.back(body.input('scan_seed', ['batch', model.outputs]), undefined, body);
  body.node('Min', [body.node('Max', [w, floor]), ceiling], {}, 'scan_free');
  body.node('ReduceSumSquare', ['scan_free'], { axes: { ints: [1] }, keepdims: { int: 0 } }, 'scan_norm2');
  body.output('scan_free', ['batch', inputSize]);
  body.output('scan_norm2', ['batch']);
  const [free, norm2s] = g.nodeWithOutputs('Scan', [seeds], 2, { body: { graph: body }, num_scan_inputs: { int: 1 } });
  const norms = g.node('Transpose', [norm2s]);
  const gaps = g.node('Sub', [logits, g.node('ReduceSum', [g.node('Mul', [logits, own]), g.integers([1])], { keepdims: { int: 1 } })]);
  const ratios = g.node('Div', [g.node('Abs', [gaps]), g.node('Sqrt', [g.node('Add', [norms, g.constant([1e-20])])])]);
  const candidate = g.node('Greater', [g.node('Mul', [allowed, g.node('Sub', [g.constant([1]), own])]), zero]);
  const chosen = g.node('ArgMin', [g.node('Where', [candidate, ratios, g.constant([Infinity])])], { axis: { int: 1 }, keepdims: { int: 1 } });
  const best = oneHot(chosen);
  g.node('ReduceSum', [g.node('Mul', [gaps, best]), g.integers([1])], { keepdims: { int: 1 } }, 'gap');
  g.output('gap', ['batch', 1]);
  g.node('ReduceSum', [g.node('Mul', [norms, best]), g.integers([1])], { keepdims: { int: 1 } }, 'norm2');
  g.output('norm2', ['batch', 1]);
  // Each row's chosen copy of w (free[chosen, row, :]), gathered rather than masked and summed over the classes.
  const batch = g.node('Slice', [g.node('Shape', [x]), g.integers([0]), g.integers([1])]);
  const at = g.node('Expand', [g.node('Reshape', [chosen, g.integers([1, -1, 1])]), g.node('Concat', [g.integers([1]), batch, g.integers([inputSize])], { axis: { int: 0 } })]);
  g.node('Reshape', [g.node('GatherElements', [free, at], { axis: { int: 0 } }), g.integers([-1, inputSize])], {}, 'direction');
  g.output('direction', ['batch', inputSize]);
  return g.serialise(name);
}

/**
 * The cross-entropy of the aim's class and its gradient in the inputs — Szegedy et al.'s loss_f
 * (ICLR 2014, §4.1): inputs `x` (batch × `inputSize`) and `aim` (batch × classes, one-hot);
 * outputs `logits`, `loss` (batch × 1, −log p_aim) and `gradient` (batch × `inputSize`).
 */
export function crossEntropyGraph(network: NetworkBuilder, inputSize: number, name: string): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', inputSize]);
  const model = network(g, x);
  const { logits, classes, toScores } = logitsOf(g, model);
  g.node('Identity', [logits], {}, 'logits');
  g.output('logits', ['batch', classes]);
  const aim = g.input('aim', ['batch', classes]);
  const logProbabilities = g.node('LogSoftmax', [logits], { axis: { int: 1 } });
  g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [aim, logProbabilities]), g.integers([1])], { keepdims: { int: 1 } })], {}, 'loss');
  g.output('loss', ['batch', 1]);
  model.back(toScores(g.node('Sub', [g.node('Exp', [logProbabilities]), aim])), 'gradient');
  g.output('gradient', ['batch', inputSize]);
  return g.serialise(name);
}

/**
 * The scores as logits: a single score z (binary logistic) as (0, z); `toScores` takes a gradient
 * at the logits back to the scores (the second column's).
 */
function logitsOf(g: GraphBuilder, model: GraphNetwork): { logits: string; classes: number; toScores: (delta: string) => string } {
  const binary = model.outputs === 1;
  const logits = binary ? g.node('Concat', [g.node('ConstantOfShape', [g.node('Shape', [model.scores])]), model.scores], { axis: { int: 1 } }) : model.scores;
  return { logits, classes: binary ? 2 : model.outputs, toScores: (delta) => (binary ? g.node('Slice', [delta, g.integers([1]), g.integers([2]), g.integers([1])]) : delta) };
}
