/**
 * A CNN's loss and gradients as an ONNX graph, for the native training engine (native-stepper.ts):
 * the network of cnn.ts — blocks of 3 × 3 valid convolution, relu and 2 × 2 max-pooling, then a
 * dense relu layer and the softmax scores — softmax cross-entropy (mean over the batch, plus
 * l2/2 · Σ‖W‖² over the kernels and the dense weights, as the tfjs loop adds it), and the
 * gradients by back-propagation written out block by block, in the standard operators
 * onnxruntime's inference build runs (it has no training operators):
 *
 * - a dense layer's as in dense-step-graph.ts;
 * - a block's pooled gradient goes to each window's first largest value where the relu passed it
 *   (cnn-block-graph.ts; tfjs's max-pooling gradient, with our fix, picks the same place), and back
 *   to the block's input by one stride-2 transposed convolution;
 * - a kernel's gradient is itself a convolution: dK[f, c, i, j] = Σ_{n,y,x} X[n, c, y + i, x + j] ·
 *   dZ[n, f, y, x], the input with its rows as channels convolved with the output gradient as
 *   filters (X as c × n × H × W, dZ as f × n × h × w: a c × f × 3 × 3 result);
 * - a bias's is the output gradient's sum.
 *
 * Kernels are inputs in tfjs's layout (3 × 3 × in × filters, as cnn.ts holds them and a weight
 * penalty reads them) and transposed inside the graph; their gradients come out in that layout.
 * Images arrive as rows of height · width · channels, channels last (cnn.ts), float64 (cast here)
 * or float32 rows made once for a long run. Parameter names in the tfjs loop's variable order:
 * kernels `k0, k1, …`, their biases `c0, c1, …`, the dense weights `w0, w1`, their biases `b0, b1`.
 */

import { FLOAT, GraphBuilder } from './onnx-graph.ts';
import { adversarialRows } from './adversarial-graph.ts';
import { backThroughBlock, blockTrace, parameterGradients, throughConvolution, windowPlanes, type BlockTrace } from './cnn-block-graph.ts';
import { throughActivation } from './dense-step-graph.ts';
import { blockOutput, flatWidth } from '../cnn-shape.ts';
import type { StepGraphs } from './native-stepper.ts';

/** What a CNN training graph is built for. */
export interface CnnGraphSpec {
  image: { height: number; width: number; channels: number };
  /** Filters of each block (3 × 3 kernels). */
  filters: number[];
  /** Width of the dense relu layer. */
  hidden: number;
  classes: number;
  l2: number;
  /** The data set's element type: float64 (cast in the graph) or float32 rows made beforehand. */
  rows: 'double' | 'float';
  /** Adversarial training (Madry et al. 2018): each batch replaced in the graph by its PGD examples after this many L∞ steps (adversarial-graph.ts). */
  adversarialSteps?: number;
}

/** The blocks' kernel size (3 × 3). */
export const KERNEL = 3;

/** The size after a block: valid 3 × 3 convolution, then 2 × 2 pooling (floor). */
function afterBlock(height: number, width: number): { convolved: [number, number]; pooled: [number, number] } {
  return { convolved: [height - KERNEL + 1, width - KERNEL + 1], pooled: blockOutput(height, width, KERNEL) };
}

/** Parameter names and shapes in the tfjs loop's variable order (cnn.ts): kernels, their biases, dense weights, their biases. */
export function cnnParameterShapes(spec: CnnGraphSpec): { name: string; dims: number[] }[] {
  const channels = [spec.image.channels, ...spec.filters];
  const flat = flatWidth(spec);
  return [
    ...spec.filters.map((filters, b) => ({ name: `k${b}`, dims: [KERNEL, KERNEL, channels[b], filters] })),
    ...spec.filters.map((filters, b) => ({ name: `c${b}`, dims: [filters] })),
    { name: 'w0', dims: [flat, spec.hidden] },
    { name: 'w1', dims: [spec.hidden, spec.classes] },
    { name: 'b0', dims: [spec.hidden] },
    { name: 'b1', dims: [spec.classes] },
  ];
}

/** The positions of the penalised weights (kernels, then dense weights: the tfjs network's `penalized`) in `cnnParameterShapes`. */
export function cnnPenalized(spec: CnnGraphSpec): number[] {
  const blocks = spec.filters.length;
  return [...Array.from({ length: blocks }, (_, b) => b), 2 * blocks, 2 * blocks + 1];
}

export interface Forward {
  /** Each block's input (rows × channels × height × width) and what its way back needs. */
  blockInputs: string[];
  traces: BlockTrace[];
  /** Each block's kernel in onnxruntime's layout (filters × in × 3 × 3). */
  kernels: string[];
  /** The pooled output's size and filters, and the flattened rows. */
  last: { height: number; width: number; filters: number };
  flat: string;
  hidden: string;
  logits: string;
}

/** The network from images `x` (batch × height · width · channels, float32, channels last) with the blocks' `kernels` in onnxruntime's layout. */
export function forwardPass(g: GraphBuilder, spec: CnnGraphSpec, x: string, kernels: string[]): Omit<Forward, 'kernels'> {
  const { height, width, channels } = spec.image;
  let current = g.node('Transpose', [g.node('Reshape', [x, g.integers([-1, height, width, channels])])], { perm: { ints: [0, 3, 1, 2] } });
  let [h, w] = [height, width];
  const blockInputs: string[] = [];
  const traces: BlockTrace[] = [];
  spec.filters.forEach((filters, b) => {
    blockInputs.push(current);
    const sizes = afterBlock(h, w);
    const trace = blockTrace(g, current, kernels[b], `c${b}`, sizes.convolved, sizes.pooled, filters);
    traces.push(trace);
    current = trace.pooledValues;
    [h, w] = sizes.pooled;
  });
  const filters = spec.filters[spec.filters.length - 1];
  const flat = g.node('Reshape', [g.node('Transpose', [current], { perm: { ints: [0, 2, 3, 1] } }), g.integers([-1, h * w * filters])]);
  const hidden = g.node('Relu', [g.node('Gemm', [flat, 'w0', 'b0'])]);
  const logits = g.node('Gemm', [hidden, 'w1', 'b1']);
  return { blockInputs, traces, last: { height: h, width: w, filters }, flat, hidden, logits };
}

/** The gradient at the dense head's input (`flat`'s) of `delta` at the logits, as the blocks' last pooled output (rows × filters × pooled). */
export function backThroughHead(g: GraphBuilder, pass: Omit<Forward, 'kernels'>, delta: string, zero: string): { atHidden: string; pooled: string } {
  const atHidden = throughActivation(g, g.node('Gemm', [delta, 'w1'], { transB: { int: 1 } }), pass.hidden, 'relu', '', zero);
  const { height, width, filters } = pass.last;
  const pooled = g.node('Transpose', [g.node('Reshape', [g.node('Gemm', [atHidden, 'w0'], { transB: { int: 1 } }), g.integers([-1, height, width, filters])])], { perm: { ints: [0, 3, 1, 2] } });
  return { atHidden, pooled };
}

/** The batch's cross-entropy gradient at the images `x` (up to a positive factor), as rows of height · width · channels: for PGD's sign. */
function inputGradient(g: GraphBuilder, spec: CnnGraphSpec, x: string, y: string, kernels: string[]): string {
  const pass = forwardPass(g, spec, x, kernels);
  const delta = g.node('Sub', [g.node('Softmax', [pass.logits], { axis: { int: 1 } }), y]);
  let back = backThroughHead(g, pass, delta, g.constant([0])).pooled;
  for (let b = spec.filters.length - 1; b >= 0; b--) back = backThroughBlock(g, pass.traces[b], back);
  const { height, width, channels } = spec.image;
  return g.node('Reshape', [g.node('Transpose', [back], { perm: { ints: [0, 2, 3, 1] } }), g.integers([-1, height * width * channels])]);
}

/** Inputs data, targets, indices, scale (1 / batch rows) and the parameters (and an adversary's, adversarial-graph.ts); the forward pass and the loss, named `lossName`. */
function forwardAndLoss(g: GraphBuilder, spec: CnnGraphSpec, lossName: string): Forward {
  const { height, width, channels } = spec.image;
  const inputWidth = height * width * channels;
  const indices = g.input('indices', ['batch'], 'int32');
  const rows = g.node('Gather', [g.input('data', ['rows', inputWidth], spec.rows), indices], { axis: { int: 0 } });
  const clean = spec.rows === 'float' ? rows : g.node('Cast', [rows], { to: { int: FLOAT } });
  const y = g.node('Gather', [g.input('targets', ['rows', spec.classes]), indices], { axis: { int: 0 } }, 'y');
  const scale = g.input('scale', []);
  for (const { name, dims } of cnnParameterShapes(spec)) g.input(name, dims);
  const kernels = spec.filters.map((_, b) => g.node('Transpose', [`k${b}`], { perm: { ints: [3, 2, 0, 1] } }));
  const x = spec.adversarialSteps ? adversarialRows(g, inputWidth, spec.adversarialSteps, clean, (at) => inputGradient(g, spec, at, y, kernels)) : clean;
  const pass = forwardPass(g, spec, x, kernels);
  const logProbabilities = g.node('LogSoftmax', [pass.logits], { axis: { int: 1 } });
  const crossEntropy = g.node('Mul', [g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [y, logProbabilities])], { keepdims: { int: 0 } })]), scale]);
  let loss = crossEntropy;
  if (spec.l2 > 0) {
    const weights = [...spec.filters.map((_, b) => `k${b}`), 'w0', 'w1'];
    const penalty = g.node('Sum', weights.map((name) => g.node('ReduceSumSquare', [name], { keepdims: { int: 0 } })));
    loss = g.node('Add', [crossEntropy, g.node('Mul', [penalty, g.constant([spec.l2 / 2])])]);
  }
  g.node('Identity', [loss], {}, lossName);
  g.output(lossName, []);
  return { ...pass, kernels };
}

/** The batch's PGD examples alone (output `adversarial`, batch × image values), from the gradient graph's inputs less `ones` and `scale` (float32 rows): what a step trains on, for tests. */
export function cnnAdversarialRowsGraph(spec: CnnGraphSpec): Uint8Array {
  if (!spec.adversarialSteps) throw new Error('an adversarial rows graph needs adversarialSteps ≥ 1');
  const g = new GraphBuilder();
  const { height, width, channels } = spec.image;
  const inputWidth = height * width * channels;
  const indices = g.input('indices', ['batch'], 'int32');
  const rows = g.node('Gather', [g.input('data', ['rows', inputWidth], 'float'), indices], { axis: { int: 0 } });
  const y = g.node('Gather', [g.input('targets', ['rows', spec.classes]), indices], { axis: { int: 0 } }, 'y');
  for (const { name, dims } of cnnParameterShapes(spec)) g.input(name, dims);
  const kernels = spec.filters.map((_, b) => g.node('Transpose', [`k${b}`], { perm: { ints: [3, 2, 0, 1] } }));
  g.node('Identity', [adversarialRows(g, inputWidth, spec.adversarialSteps, rows, (at) => inputGradient(g, spec, at, y, kernels))], {}, 'adversarial');
  g.output('adversarial', ['batch', inputWidth]);
  return g.serialise('cnn-adversarial-rows');
}

/** The loss alone, for a validation set. */
export function cnnLossGraph(spec: CnnGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  // Validation rows as they are: no adversary.
  forwardAndLoss(g, { ...spec, adversarialSteps: undefined }, 'loss');
  return g.serialise('cnn-loss');
}

/** `gradient` plus l2 · `weight` where the spec has an L2 term, named `name`. */
function withL2(g: GraphBuilder, spec: CnnGraphSpec, gradient: string, weight: string, name: string): void {
  if (spec.l2 > 0) g.node('Add', [gradient, g.node('Mul', [weight, g.constant([spec.l2])])], {}, name);
  else g.node('Identity', [gradient], {}, name);
}

/** Nodes `grad_<parameter>`: the gradient of the loss with respect to each parameter. */
function backward(g: GraphBuilder, spec: CnnGraphSpec, forward: Forward): void {
  const zero = g.constant([0]);
  const ones = g.input('ones', ['batch']);
  const probabilities = g.node('Exp', [g.node('LogSoftmax', [forward.logits], { axis: { int: 1 } })]);
  // ∂loss/∂logits = (softmax − y) / rows, for target rows that sum to 1.
  const delta = g.node('Mul', [g.node('Sub', [probabilities, 'y']), 'scale']);
  withL2(g, spec, g.node('Gemm', [forward.hidden, delta], { transA: { int: 1 } }), 'w1', 'grad_w1');
  g.node('MatMul', [ones, delta], {}, 'grad_b1');
  const head = backThroughHead(g, forward, delta, zero);
  const atHidden = head.atHidden;
  withL2(g, spec, g.node('Gemm', [forward.flat, atHidden], { transA: { int: 1 } }), 'w0', 'grad_w0');
  g.node('MatMul', [ones, atHidden], {}, 'grad_b0');
  let pooled = head.pooled;
  for (let b = spec.filters.length - 1; b >= 0; b--) {
    const trace = forward.traces[b];
    const planes = windowPlanes(g, trace, pooled);
    const gradients = parameterGradients(g, trace, forward.blockInputs[b], planes, KERNEL);
    // filters × in × 3 × 3, then tfjs's 3 × 3 × in × filters.
    withL2(g, spec, g.node('Transpose', [gradients.kernel], { perm: { ints: [2, 3, 1, 0] } }), `k${b}`, `grad_k${b}`);
    g.node('Identity', [gradients.bias], {}, `grad_c${b}`);
    if (b > 0) pooled = throughConvolution(g, trace, planes);
  }
}

/** Inputs data, targets, indices, ones, scale (1 / batch rows) and the parameters; outputs `loss` and `grad_<parameter>` for each. */
export function cnnGradientGraph(spec: CnnGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  backward(g, spec, forwardAndLoss(g, spec, 'loss'));
  for (const { name, dims } of cnnParameterShapes(spec)) g.output(`grad_${name}`, dims);
  return g.serialise('cnn-gradients');
}

/** The training graphs of a CNN of `spec`, for the native engine's stepper. */
export function cnnStepGraphs(spec: CnnGraphSpec): StepGraphs {
  const { height, width, channels } = spec.image;
  return {
    key: JSON.stringify(['cnn', spec.image, spec.filters, spec.hidden, spec.classes, spec.l2, spec.rows, spec.adversarialSteps ?? 0]),
    gradient: () => cnnGradientGraph(spec),
    loss: () => cnnLossGraph(spec),
    shapes: cnnParameterShapes(spec),
    penalized: cnnPenalized(spec),
    inputWidth: height * width * channels,
    outputWidth: spec.classes,
    rows: spec.rows,
    scaledInputs: false,
    adversarialSteps: spec.adversarialSteps,
  };
}
