/**
 * A dense network's loss and gradients as an ONNX graph: the forward pass, softmax cross-entropy
 * (mean over the batch, plus l2/2 · Σ‖W‖² as the tfjs loop adds it) and the gradients by
 * back-propagation written out layer by layer — one onnxruntime call a batch, so the matrix
 * products run in its native GEMM kernels (the optimiser's step is one WebAssembly pass after it,
 * native-dense.ts). A second graph computes the loss alone (validation).
 *
 * Inputs: the whole data set — `data` (rows × columns, float64 as the data set holds them, or
 * float32 rows made once for a long run, float32-rows.ts) and
 * `targets` (rows × outputs, float32) — and `indices` (int32), the batch's rows: the graph gathers
 * and casts the batch itself (a native copy; gathering 128 float64 rows of Fashion-MNIST in JS took
 * 135 µs a step, twice the native Gather, and a float32 copy of the data set costs more to make
 * than two epochs save). onnxruntime-node feeds the data set's memory without copying it.
 * `ones` (batch values, float32, all ones) makes the bias gradients one small matrix product each
 * (ReduceSum over the rows took 44 µs for 128 × 256, the product a few).
 * Names: parameters `w0, w1, …, b0, b1, …` (the tfjs loop's variable order: weights, then biases);
 * the gradient of each is `grad_<name>`. Adversarial training adds `noise`, `radius`, `lower`,
 * `upper` and `step` (adversarial-graph.ts): the batch's PGD examples are made in the same call.
 */

import type { Activation } from '../dense-network.ts';
import { adversarialRows } from './adversarial-graph.ts';
import { FLOAT, GraphBuilder } from './onnx-graph.ts';
import type { InputCorruption } from '../input-corruption.ts';

/** What a graph is built for. */
export interface DenseGraphSpec {
  /** Layer widths from input to output. */
  sizes: number[];
  hidden: Exclude<Activation, 'softmax'>;
  l2: number;
  /** Rows arrive unscaled with inputs `offset`, `factor` (per column) and `shift`: the network sees (x − offset) × factor + shift, computed in float64 as ColumnScaler.transform does (set by the stepper from its scaling: native-dense.ts). */
  scaledInputs?: boolean;
  /** The data set's element type: float64 (cast in the graph, the default) or float32 rows made beforehand (float32-rows.ts; no scaling in the graph then). */
  rows?: 'double' | 'float';
  /** Adversarial training (Madry et al. 2018): each batch replaced in the graph by its PGD examples after this many L∞ steps (adversarial-graph.ts). */
  adversarialSteps?: number;
  /** The output and its loss: `softmax` (cross-entropy against target rows that sum to 1; the default) or `sigmoid` (reconstruction: each output's binary cross-entropy, averaged over the batch's outputs as tfjs's sigmoidCrossEntropy). */
  output?: 'softmax' | 'sigmoid';
  /** A denoising autoencoder's corruption of each batch's inputs (input-corruption.ts), from inputs `corruption` (batch × inputs: standard normals, or uniforms in [0, 1) for masking) and `corruptionLevel`. */
  corruption?: InputCorruption['kind'];
}

/** Parameter names in the tfjs loop's variable order, with their shapes. */
export function parameterShapes(sizes: number[]): { name: string; dims: number[] }[] {
  const layers = sizes.slice(1).map((outputs, l) => ({ inputs: sizes[l], outputs, l }));
  return [
    ...layers.map(({ inputs, outputs, l }) => ({ name: `w${l}`, dims: [inputs, outputs] })),
    ...layers.map(({ outputs, l }) => ({ name: `b${l}`, dims: [outputs] })),
  ];
}

/** f(z) of a hidden activation as graph nodes. */
export function activate(g: GraphBuilder, z: string, hidden: DenseGraphSpec['hidden']): string {
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

/** δ·f′ written with the activation's output a = f(z): relu 1[a > 0] (a selection: Sign then Mul took four times as long), tanh 1 − a², sigmoid a(1 − a). */
export function throughActivation(g: GraphBuilder, delta: string, a: string, hidden: DenseGraphSpec['hidden'], one: string, zero: string): string {
  switch (hidden) {
    case 'relu':
      return g.node('Where', [g.node('Greater', [a, zero]), delta, zero]);
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

/** The layers from rows `x`: each layer's input (activations[0] is x) and the last layer's scores. */
function denseForward(g: GraphBuilder, spec: DenseGraphSpec, x: string): { activations: string[]; logits: string } {
  const last = spec.sizes.length - 2;
  const activations = [x];
  let logits = x;
  for (let l = 0; l <= last; l++) {
    const z = g.node('Gemm', [activations[l], `w${l}`, `b${l}`]);
    if (l === last) logits = z;
    else activations.push(activate(g, z, spec.hidden));
  }
  return { activations, logits };
}

/** Inputs data, targets, indices, scale (1 / batch rows) and the parameters; the forward pass and the loss. */
function forwardAndLoss(g: GraphBuilder, spec: DenseGraphSpec, lossName: string): Forward {
  const { sizes } = spec;
  const last = sizes.length - 2;
  const indices = g.input('indices', ['batch'], 'int32');
  let rows = g.node('Gather', [g.input('data', ['rows', sizes[0]], spec.rows ?? 'double'), indices], { axis: { int: 0 } });
  if (spec.scaledInputs && spec.rows === 'float') throw new Error('float32 rows come scaled: the graph takes no scaling for them');
  if (spec.scaledInputs) {
    const [offset, factor, shift] = [g.input('offset', [sizes[0]], 'double'), g.input('factor', [sizes[0]], 'double'), g.input('shift', [], 'double')];
    rows = g.node('Add', [g.node('Mul', [g.node('Sub', [rows, offset]), factor]), shift]);
  }
  const clean = spec.rows === 'float' ? rows : g.node('Cast', [rows], { to: { int: FLOAT } });
  const y = g.node('Gather', [g.input('targets', ['rows', sizes[last + 1]]), indices], { axis: { int: 0 } }, 'y');
  const scale = g.input('scale', []);
  for (const { name, dims } of parameterShapes(sizes)) g.input(name, dims);
  const x = spec.adversarialSteps ? adversarialRows(g, sizes[0], spec.adversarialSteps, clean, (at) => inputGradient(g, spec, at, y)) : spec.corruption ? corrupted(g, spec.corruption, clean, sizes[0]) : clean;
  const { activations, logits } = denseForward(g, spec, x);
  const crossEntropy = spec.output === 'sigmoid' ? binaryCrossEntropy(g, logits, y, scale, sizes[last + 1]) : g.node('Mul', [g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [y, g.node('LogSoftmax', [logits], { axis: { int: 1 } })])], { keepdims: { int: 0 } })]), scale]);
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

/** The rows `clean` corrupted (input-corruption.ts): clip(x + level · n, 0, 1) for normals n, or x · 1[u ≥ level] for uniforms u — the draws fed as `corruption`. */
function corrupted(g: GraphBuilder, kind: InputCorruption['kind'], clean: string, width: number): string {
  const [draws, level] = [g.input('corruption', ['batch', width]), g.input('corruptionLevel', [])];
  if (kind === 'gaussian') return g.node('Clip', [g.node('Add', [clean, g.node('Mul', [draws, level])]), g.constant([0]), g.constant([1])]);
  return g.node('Mul', [clean, g.node('Cast', [g.node('GreaterOrEqual', [draws, level])], { to: { int: FLOAT } })]);
}

/**
 * The batch's binary cross-entropy of sigmoid outputs, averaged over its rows (`scale`: 1 / rows)
 * and the `width` outputs a row, as tfjs's sigmoidCrossEntropy writes it: relu(z) − z·y + log(1 +
 * e^−|z|), the last term as −log σ(|z|) (onnxruntime's Softplus took 3.8 ms a step on the AT&T
 * faces autoencoder's 32 × 10,304 outputs, Sigmoid and Log 0.64). For |z| past ~16 that form rounds
 * the term (< 10⁻⁷) to a step of 6·10⁻⁸ or to 0, far below the mean loss's last float32 digit; the
 * gradient, σ(z) − y, does not use it.
 */
function binaryCrossEntropy(g: GraphBuilder, logits: string, y: string, scale: string, width: number): string {
  const terms = g.node('Add', [g.node('Sub', [g.node('Relu', [logits]), g.node('Mul', [logits, y])]), g.node('Neg', [g.node('Log', [g.node('Sigmoid', [g.node('Abs', [logits])])])])]);
  return g.node('Mul', [g.node('ReduceSum', [terms], { keepdims: { int: 0 } }), g.node('Mul', [scale, g.constant([1 / width])])]);
}

/**
 * The gradient of the batch's cross-entropy with respect to the inputs `x` (batch × inputs), up to
 * a positive factor (softmax − y back through the layers, not divided by the rows): PGD reads only
 * its sign.
 */
function inputGradient(g: GraphBuilder, spec: DenseGraphSpec, x: string, y: string): string {
  const last = spec.sizes.length - 2;
  const one = spec.hidden === 'tanh' || spec.hidden === 'sigmoid' ? g.constant([1]) : '';
  const zero = spec.hidden === 'relu' ? g.constant([0]) : '';
  const { activations, logits } = denseForward(g, spec, x);
  let delta = g.node('Sub', [g.node('Softmax', [logits], { axis: { int: 1 } }), y]);
  for (let l = last; l > 0; l--) delta = throughActivation(g, g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }), activations[l], spec.hidden, one, zero);
  return g.node('Gemm', [delta, 'w0'], { transB: { int: 1 } });
}

/** The batch's PGD examples alone (output `adversarial`, batch × inputs), from the gradient graph's inputs less `ones`: what a step trains on, for tests. */
export function adversarialRowsGraph(spec: DenseGraphSpec): Uint8Array {
  if (!spec.adversarialSteps) throw new Error('an adversarial rows graph needs adversarialSteps ≥ 1');
  const g = new GraphBuilder();
  const { sizes } = spec;
  const indices = g.input('indices', ['batch'], 'int32');
  const rows = g.node('Gather', [g.input('data', ['rows', sizes[0]], 'float'), indices], { axis: { int: 0 } });
  const y = g.node('Gather', [g.input('targets', ['rows', sizes[sizes.length - 1]]), indices], { axis: { int: 0 } }, 'y');
  for (const { name, dims } of parameterShapes(sizes)) g.input(name, dims);
  g.node('Identity', [adversarialRows(g, sizes[0], spec.adversarialSteps, rows, (at) => inputGradient(g, spec, at, y))], {}, 'adversarial');
  g.output('adversarial', ['batch', sizes[0]]);
  return g.serialise('dense-adversarial-rows');
}

/** The loss alone, for a validation set. */
export function lossGraph(spec: DenseGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  // Validation rows as they are: no adversary, no corruption.
  forwardAndLoss(g, { ...spec, adversarialSteps: undefined, corruption: undefined }, 'loss');
  return g.serialise('dense-loss');
}

/** Nodes `grad_<parameter>`: the gradient of the loss with respect to each parameter. */
function backward(g: GraphBuilder, spec: DenseGraphSpec, forward: Forward): void {
  const last = spec.sizes.length - 2;
  const one = spec.hidden === 'tanh' || spec.hidden === 'sigmoid' ? g.constant([1]) : '';
  const zero = spec.hidden === 'relu' ? g.constant([0]) : '';
  const ones = g.input('ones', ['batch']);
  // ∂loss/∂logits = (softmax − y) / rows, for target rows that sum to 1 (labels, distributions); (sigmoid − y) / (rows · outputs) for reconstruction.
  const sigmoid = spec.output === 'sigmoid';
  const probabilities = sigmoid ? g.node('Sigmoid', [forward.logits]) : g.node('Exp', [g.node('LogSoftmax', [forward.logits], { axis: { int: 1 } })]);
  let delta = g.node('Mul', [g.node('Sub', [probabilities, 'y']), sigmoid ? g.node('Mul', ['scale', g.constant([1 / spec.sizes[spec.sizes.length - 1]])]) : 'scale']);
  for (let l = last; l >= 0; l--) {
    const name = `grad_w${l}`;
    const product = g.node('Gemm', [forward.activations[l], delta], { transA: { int: 1 } }, spec.l2 > 0 ? undefined : name);
    if (spec.l2 > 0) g.node('Add', [product, g.node('Mul', [`w${l}`, g.constant([spec.l2])])], {}, name);
    g.node('MatMul', [ones, delta], {}, `grad_b${l}`);
    if (l > 0) delta = throughActivation(g, g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }), forward.activations[l], spec.hidden, one, zero);
  }
}

/**
 * DP-SGD's clipped gradient sums (Abadi et al., CCS 2016, Algorithm 1) for the sampled rows
 * `indices`, without a per-example gradient: a dense layer's per-example weight gradient is aᵢ ⊗ δᵢ,
 * of squared norm ‖aᵢ‖²‖δᵢ‖², its bias's δᵢ (Goodfellow 2015; defenses/dp-sgd/clipped-gradients.ts
 * does the same on tfjs, whose order of operations this follows). Each row's factor
 * cᵢ = min(1, `clip` / max(‖gᵢ‖, 10⁻¹²)) clips its whole gradient; `grad_w<l>` = Aₗᵀ(c ⊙ Δₗ),
 * `grad_b<l>` = Σᵢ cᵢδᵢ. Inputs data, targets, indices, clip and the parameters; outputs the sums,
 * `loss` (the batch's summed cross-entropy) and `clipped` (rows whose factor is below 1). Noise,
 * the division by the expected batch and the L2 term come after (native-stepper.ts).
 */
export function privateGradientGraph(spec: DenseGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  const { sizes } = spec;
  const last = sizes.length - 2;
  const indices = g.input('indices', ['batch'], 'int32');
  const rows = g.node('Gather', [g.input('data', ['rows', sizes[0]], spec.rows ?? 'double'), indices], { axis: { int: 0 } });
  const x = spec.rows === 'float' ? rows : g.node('Cast', [rows], { to: { int: FLOAT } });
  const y = g.node('Gather', [g.input('targets', ['rows', sizes[last + 1]]), indices], { axis: { int: 0 } });
  const clip = g.input('clip', []);
  for (const { name, dims } of parameterShapes(sizes)) g.input(name, dims);
  const { activations, logits } = denseForward(g, spec, x);
  const logProbabilities = g.node('LogSoftmax', [logits], { axis: { int: 1 } });
  g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [y, logProbabilities])], { keepdims: { int: 0 } })], {}, 'loss');
  g.output('loss', []);
  const one = spec.hidden === 'tanh' || spec.hidden === 'sigmoid' ? g.constant([1]) : '';
  const zero = spec.hidden === 'relu' ? g.constant([0]) : '';
  const rowSquares = (value: string) => g.node('ReduceSum', [g.node('Mul', [value, value]), g.integers([1])], { keepdims: { int: 1 } });
  const deltas: string[] = [];
  const norms: string[] = [];
  let delta = g.node('Sub', [g.node('Exp', [logProbabilities]), y]);
  for (let l = last; l >= 0; l--) {
    deltas[l] = delta;
    const deltaNorms = rowSquares(delta);
    norms.push(g.node('Add', [g.node('Mul', [rowSquares(activations[l]), deltaNorms]), deltaNorms]));
    if (l > 0) delta = throughActivation(g, g.node('Gemm', [delta, `w${l}`], { transB: { int: 1 } }), activations[l], spec.hidden, one, zero);
  }
  const squared = norms.length === 1 ? norms[0] : g.node('Sum', norms);
  const factors = g.node('Min', [g.constant([1]), g.node('Div', [clip, g.node('Max', [g.node('Sqrt', [squared]), g.constant([1e-12])])])]);
  for (let l = 0; l <= last; l++) {
    const scaled = g.node('Mul', [deltas[l], factors]);
    g.node('Gemm', [activations[l], scaled], { transA: { int: 1 } }, `grad_w${l}`);
    g.node('ReduceSum', [scaled, g.integers([0])], { keepdims: { int: 0 } }, `grad_b${l}`);
  }
  g.node('ReduceSum', [g.node('Cast', [g.node('Less', [factors, g.constant([1])])], { to: { int: FLOAT } })], { keepdims: { int: 0 } }, 'clipped');
  g.output('clipped', []);
  for (const { name, dims } of parameterShapes(sizes)) g.output(`grad_${name}`, dims);
  return g.serialise('dense-private-gradients');
}

/** Inputs data, targets, indices, ones, scale (1 / batch rows) and the parameters; outputs `loss` and `grad_<parameter>` for each. */
export function gradientGraph(spec: DenseGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  backward(g, spec, forwardAndLoss(g, spec, 'loss'));
  for (const { name, dims } of parameterShapes(spec.sizes)) g.output(`grad_${name}`, dims);
  return g.serialise('dense-gradients');
}
