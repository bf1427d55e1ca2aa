/**
 * The gradient the white-box attacks follow — of `attackerLoss` (gradient-problem.ts) with respect
 * to the inputs — and the class scores at the same rows, on plain float32 arrays, so that FGSM and
 * PGD (Goodfellow et al. 2015; Madry et al. 2018) take their steps in one JavaScript pass instead of
 * a dozen tfjs operations (tfjs-wasm's Maximum and Minimum against a 1 × d box took 2.8 ms each on
 * 50 MNIST rows; a whole PGD step was ~7 ms, PyTorch's 0.3 ms).
 *
 * Linear classifiers, MLPs and CNNs run as one onnxruntime graph: the forward pass to the scores,
 * the loss's gradient at the scores written out, and back-propagation to the inputs, in
 * onnxruntime's native float32 kernels. tfjs's gradient of the same loss stays for what has no
 * graph here (a hidden softmax layer), and is what the graphs are tested against.
 */

import * as ort from 'onnxruntime-node';
import { tf } from '../../backend/tf.ts';
import type { DenseLayer } from '../../models/neural/dense-network.ts';
import { blockOutput } from '../../models/neural/cnn.ts';
import { activate, throughActivation } from '../../models/neural/native/dense-step-graph.ts';
import { FLOAT, GraphBuilder } from '../../models/neural/native/onnx-graph.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { ThreatlabError } from '../../errors.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { MARGIN_WEIGHT, attackerLoss, oneHotTensor } from './gradient-problem.ts';

/** Scores (rows × classes) and the attacker loss's gradient (rows × inputs) at a batch of rows. */
export interface GradientAt {
  logits: Float32Array;
  gradient: Float32Array;
  /**
   * Hands the two arrays' memory back, to be freed right before this gradient's next call (they
   * may read as empty from then on), not at a later garbage collection; call it once they are
   * read. Each onnxruntime run returns its outputs in fresh buffers (157 KB of gradient for 50
   * MNIST rows, 627 KB for 200), and freed just before it, the next run's outputs take the same
   * memory instead of fresh pages.
   */
  release(): void;
}

/** The gradient of the attacker loss toward (`targeted`) or away from `aim` at `rows` rows of `x`. */
export type AttackerGradient = ((x: Float32Array, rows: number, aim: Int32Array, targeted: boolean) => Promise<GradientAt>) & {
  /** Makes what the first call would make (an onnxruntime session: 5–30 ms), so that an attack's own time starts after it; absent where nothing is made. */
  prepare?: () => Promise<void>;
};

type HiddenActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

/** The hidden activations a graph is built for; undefined when a hidden layer has another (softmax). */
function hiddenActivations(layers: readonly DenseLayer[]): HiddenActivation[] | undefined {
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
function scoreGradient(g: GraphBuilder, scores: string, outputs: number): string {
  const binary = outputs === 1;
  const classes = binary ? 2 : outputs;
  const aim = g.input('aim', ['batch', classes]);
  const sign = g.input('sign', []);
  const logits = binary ? g.node('Concat', [g.node('ConstantOfShape', [g.node('Shape', [scores])]), scores], { axis: { int: 1 } }, 'logits') : g.node('Identity', [scores], {}, 'logits');
  g.output('logits', ['batch', classes]);
  const probabilities = g.node('Exp', [g.node('LogSoftmax', [logits], { axis: { int: 1 } })]);
  const masked = g.node('Sub', [logits, g.node('Mul', [aim, g.constant([1e9])])]);
  const largest = g.node('ReduceMax', [masked], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const others = g.node('Cast', [g.node('Equal', [masked, largest])], { to: { int: FLOAT } });
  const marginTerm = g.node('Mul', [g.node('Sub', [aim, others]), g.constant([MARGIN_WEIGHT])]);
  const delta = g.node('Mul', [g.node('Sub', [g.node('Sub', [probabilities, aim]), marginTerm]), sign]);
  return binary ? g.node('Slice', [delta, g.integers([1]), g.integers([2]), g.integers([1])]) : delta;
}

/** Back-propagates `delta` (at the last layer's scores) to the dense layers' input; `name` names the result. */
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

/**
 * The dense graph: inputs `x` (batch × d), `aim`, `sign`; the layers' `w<l>`, `b<l>` (held in the
 * graph when `weights` are given, else inputs); outputs `logits` and `gradient` (batch × d), the
 * attacker loss's gradient in the inputs.
 */
export function attackerGradientGraph(weights: GraphWeights | undefined, sizes: number[], hidden: HiddenActivation[]): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', sizes[0]]);
  const { activations, scores } = denseForward(g, x, weights, sizes, hidden);
  denseBackward(g, scoreGradient(g, scores, sizes[sizes.length - 1]), activations, hidden, 'gradient');
  g.output('gradient', ['batch', sizes[0]]);
  return g.serialise('attacker-gradient');
}

/** What the way back through a block needs of its way forward. */
interface BlockTrace {
  /** The block's relu output (rows × filters × convolved). */
  relu: string;
  /** The convolution's output size and the pooling's. */
  convolved: [number, number];
  pooled: [number, number];
  filters: number;
  /** The name of the block's kernel input (filters × input channels × k × k). */
  kernel: string;
}

/**
 * The gradient at a block's input from the gradient at its pooled output: back through the 2 × 2
 * max-pooling (each pooled gradient to its window's first largest value, row by row, as
 * max-pooling's recorded indices send it in PyTorch and onnxruntime; none to the last row or
 * column an odd size leaves out), the relu (none where it was off) and the convolution.
 *
 * SpaceToDepth lays each window's four values in four planes ([rows, 4·filters, h, w]); ArgMax
 * picks the first largest, and the gradient stays in those planes. The transposed convolution of
 * the unpooled gradient U (zero but at one place a window) with kernel K is then one transposed
 * convolution of stride 2 of the four planes, plane (dy, dx) with K shifted by (dy, dx) in a
 * (k+1) × (k+1) kernel: out[2i + dy + ky] += U[2i + dy] · K[ky]. onnxruntime's MaxPool with
 * indices, ScatterElements by them, the relu's Where and the stride-1 transposed convolution took
 * 8 of 12.2 ms of a CNN gradient call for 200 MNIST rows.
 */
function backThroughBlock(g: GraphBuilder, block: BlockTrace, delta: string): string {
  const [height, width] = block.convolved;
  const [h, w] = block.pooled;
  const filters = block.filters;
  const plane = filters * h * w;
  const odd = height !== 2 * h || width !== 2 * w;
  const even = odd ? g.node('Slice', [block.relu, g.integers([0, 0]), g.integers([2 * h, 2 * w]), g.integers([2, 3])]) : block.relu;
  const windows = g.node('Reshape', [g.node('SpaceToDepth', [even], { blocksize: { int: 2 } }), g.integers([-1, 4, plane])]);
  const positions = g.node('Reshape', [g.integers([0, 1, 2, 3]), g.integers([4, 1])]);
  const largest = g.node('Equal', [g.node('ArgMax', [windows], { axis: { int: 1 }, keepdims: { int: 1 } }), positions]);
  const passed = g.node('Cast', [g.node('And', [largest, g.node('Greater', [windows, g.constant([0])])])], { to: { int: FLOAT } });
  const planes = g.node('Reshape', [g.node('Mul', [passed, g.node('Reshape', [delta, g.integers([-1, 1, plane])])]), g.integers([-1, 4 * filters, h, w])]);
  // SpaceToDepth's planes are (dy, dx) = (0, 0), (0, 1), (1, 0), (1, 1), each of every filter.
  const shifted = [0, 1, 2, 3].map((p) => {
    const [dy, dx] = [p >> 1, p & 1];
    return g.node('Pad', [block.kernel, g.integers([0, 0, dy, dx, 0, 0, 1 - dy, 1 - dx])]);
  });
  const kernel = g.node('Concat', shifted, { axis: { int: 0 } });
  return g.node('ConvTranspose', [planes, kernel], { strides: { ints: [2, 2] }, output_padding: { ints: [height - 2 * h, width - 2 * w] } });
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
 * The CNN graph: inputs `x` (batch × height·width·channels, channels last as the model reads
 * images), `aim`, `sign`; each block's kernel `k<b>` (filters × input channels × k × k) and bias
 * `c<b>`, and the head's `w<l>`, `b<l>` (held in the graph when `weights` are given, else inputs);
 * outputs `logits` and `gradient`. Back through a block: the
 * pooled gradient sent to each window's first maximum, zero where the relu was off, and the
 * transposed convolution with the same kernel, as one stride-2 transposed convolution
 * (`backThroughBlock`).
 */
export function cnnAttackerGradientGraph(weights: GraphWeights | undefined, layout: CnnLayout): Uint8Array {
  const g = new GraphBuilder();
  const { height, width, channels } = layout.image;
  const x = g.input('x', ['batch', height * width * channels]);
  let current = g.node('Transpose', [g.node('Reshape', [x, g.integers([-1, height, width, channels])])], { perm: { ints: [0, 3, 1, 2] } });
  let [h, w] = [height, width];
  const saved: BlockTrace[] = [];
  layout.blocks.forEach((block, b) => {
    parameter(g, weights, `k${b}`, [block.filters, block.inputChannels, block.kernelSize, block.kernelSize]);
    parameter(g, weights, `c${b}`, [block.filters]);
    const relu = g.node('Relu', [g.node('Conv', [current, `k${b}`, `c${b}`])]);
    current = g.node('MaxPool', [relu], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
    const convolved: [number, number] = [h - block.kernelSize + 1, w - block.kernelSize + 1];
    [h, w] = blockOutput(h, w, block.kernelSize);
    saved.push({ relu, convolved, pooled: [h, w], filters: block.filters, kernel: `k${b}` });
  });
  const filters = layout.blocks[layout.blocks.length - 1].filters;
  const flat = g.node('Reshape', [g.node('Transpose', [current], { perm: { ints: [0, 2, 3, 1] } }), g.integers([-1, h * w * filters])]);
  const { activations, scores } = denseForward(g, flat, weights, layout.sizes, layout.hidden);
  const atFlat = denseBackward(g, scoreGradient(g, scores, layout.sizes[layout.sizes.length - 1]), activations, layout.hidden);
  let delta = g.node('Transpose', [g.node('Reshape', [atFlat, g.integers([-1, h, w, filters])])], { perm: { ints: [0, 3, 1, 2] } });
  for (let b = layout.blocks.length - 1; b >= 0; b--) delta = backThroughBlock(g, saved[b], delta);
  g.node('Reshape', [g.node('Transpose', [delta], { perm: { ints: [0, 2, 3, 1] } }), g.integers([-1, height * width * channels])], {}, 'gradient');
  g.output('gradient', ['batch', height * width * channels]);
  return g.serialise('cnn-attacker-gradient');
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 };

// Sessions of architectures (the weights fed each run), made once per process and shared by every model of the architecture.
const sharedSessions = new Map<string, Promise<ort.InferenceSession>>();

function sharedSession(key: string, graph: () => Uint8Array): () => Promise<ort.InferenceSession> {
  return () => {
    let session = sharedSessions.get(key);
    if (!session) {
      session = nativeCall(() => ort.InferenceSession.create(graph(), SESSION_OPTIONS));
      if (sharedSessions.size >= 16) sharedSessions.delete(sharedSessions.keys().next().value!);
      sharedSessions.set(key, session);
    }
    return session;
  };
}

/** A model's own session (its weights held in the graph), made on the first call and kept by the gradient. */
function ownSession(graph: () => Uint8Array): () => Promise<ort.InferenceSession> {
  let session: Promise<ort.InferenceSession> | undefined;
  return () => (session ??= nativeCall(() => ort.InferenceSession.create(graph(), SESSION_OPTIONS)));
}

/** The largest outputs a gradient keeps between its calls (a batch of 256 rows of 4,096 values). */
const HOLD_BYTES = 4 << 20;

/** Runs a graph of this file: the rows, the aim one-hot and the sign, with `fed` (the weights of a shared session's model). */
function nativeGradient(session: () => Promise<ort.InferenceSession>, fed: Record<string, ort.Tensor>, inputSize: number, classes: number): AttackerGradient {
  // A call's outputs are freed when released, not left to a collection, and not at once but right
  // before the next call: freed at once, their memory went to whatever the caller allocated next
  // (FGSM checks its rows on the model between calls), and the next call's outputs landed in fresh
  // pages at ~12 µs each here — 25 faults and 730 µs a 50-row MNIST call with two 51-KB arrays made
  // between calls, against 1.3 faults and 330 µs freed just before it (240 µs with nothing made).
  // Outputs over `HOLD_BYTES` are freed at once.
  const spent = new SpentBuffers(new Set(), 0);
  let held: Record<string, ort.Tensor> | undefined;
  const gradient = async (x: Float32Array, rows: number, aim: Int32Array, targeted: boolean): Promise<GradientAt> => {
    const ready = await session();
    if (held) spent.add(held);
    held = undefined;
    const oneHot = new Float32Array(rows * classes);
    for (let i = 0; i < rows; i++) oneHot[i * classes + aim[i]] = 1;
    const feeds = {
      ...fed,
      x: new ort.Tensor('float32', x.subarray(0, rows * inputSize), [rows, inputSize]),
      aim: new ort.Tensor('float32', oneHot, [rows, classes]),
      sign: new ort.Tensor('float32', Float32Array.of(targeted ? -1 : 1), []),
    };
    const result = await nativeCall(() => ready.run(feeds));
    const outputs = { logits: result.logits, gradient: result.gradient };
    const release = () => {
      if (held || (outputs.gradient.data as Float32Array).byteLength > HOLD_BYTES) spent.add(outputs);
      else held = outputs;
    };
    return { logits: outputs.logits.data as Float32Array, gradient: outputs.gradient.data as Float32Array, release };
  };
  return Object.assign(gradient, { prepare: async () => void (await session()) });
}

/**
 * Where a model's weights go. `shared`: fed each run to a session of the architecture, made once
 * per process — no set-up for a model. `own`: held in a session of the model's own graph, where
 * onnxruntime packs each Gemm's B and lays out the convolution filters in its blocked format once
 * instead of every run: the MNIST CNN's gradient on 50 rows 2.27 ms against 2.67 fed (an MLP's
 * 193 µs against 230 in the same loop, though no gain showed in PGD's timings), for 5–8 ms more to
 * make the session and 20–40 ms on its first batch (logits.ts chooses).
 */
export type WeightPlacement = 'shared' | 'own';

/** The gradient of a graph with `weights`, placed as `placement` says; `architecture` keys the shared session. */
function placedGradient(placement: WeightPlacement, architecture: string, graph: (weights: GraphWeights | undefined) => Uint8Array, weights: GraphWeights, inputSize: number, classes: number): AttackerGradient {
  if (placement === 'own') return nativeGradient(ownSession(() => graph(weights)), {}, inputSize, classes);
  const fed = Object.fromEntries(Object.entries(weights).map(([name, { values, dims }]) => [name, new ort.Tensor('float32', values, dims)]));
  return nativeGradient(sharedSession(architecture, () => graph(undefined)), fed, inputSize, classes);
}

/** The dense layers' weights and biases as float32 `w<l>`, `b<l>`. */
function denseWeights(layers: readonly DenseLayer[], into: GraphWeights = {}): GraphWeights {
  layers.forEach((layer, l) => {
    into[`w${l}`] = { values: Float32Array.from(layer.weights), dims: [layer.inputs, layer.outputs] };
    into[`b${l}`] = { values: Float32Array.from(layer.biases), dims: [layer.outputs] };
  });
  return into;
}

const classCount = (layers: readonly DenseLayer[]) => Math.max(2, layers[layers.length - 1].outputs);

/** The attacker gradient of a stack of dense layers on onnxruntime; undefined when a hidden layer's activation has no graph here. */
export function denseAttackerGradient(layers: readonly DenseLayer[], placement: WeightPlacement = 'shared'): AttackerGradient | undefined {
  const hidden = hiddenActivations(layers);
  if (!hidden) return undefined;
  const sizes = [layers[0].inputs, ...layers.map((layer) => layer.outputs)];
  return placedGradient(placement, JSON.stringify(['dense', sizes, hidden]), (weights) => attackerGradientGraph(weights, sizes, hidden), denseWeights(layers), sizes[0], classCount(layers));
}

/** A CNN's parts as cnn.ts holds them (kernels height × width × input channels × filters, channels last). */
export interface CnnParts {
  image: CnnLayout['image'];
  convolutions: readonly { kernelSize: number; inputChannels: number; filters: number; weights: ArrayLike<number>; biases: ArrayLike<number> }[];
  dense: readonly DenseLayer[];
}

// A CNN's float32 weights, made once whichever placements ask for them (logits.ts makes both).
const convertedCnnWeights = new WeakMap<CnnParts, GraphWeights>();

/** The CNN's weights as its graph holds them: tfjs's kernel layout [k, k, in, out] as ONNX's [out, in, k, k]. */
function cnnWeights(model: CnnParts): GraphWeights {
  const converted = convertedCnnWeights.get(model);
  if (converted) return converted;
  const weights = denseWeights(model.dense);
  model.convolutions.forEach((block, b) => {
    const { kernelSize: k, inputChannels: ci, filters: co } = block;
    const kernel = new Float32Array(co * ci * k * k);
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) for (let c = 0; c < ci; c++) for (let f = 0; f < co; f++) kernel[((f * ci + c) * k + dy) * k + dx] = block.weights[((dy * k + dx) * ci + c) * co + f];
    weights[`k${b}`] = { values: kernel, dims: [co, ci, k, k] };
    weights[`c${b}`] = { values: Float32Array.from(block.biases), dims: [co] };
  });
  convertedCnnWeights.set(model, weights);
  return weights;
}

/** The attacker gradient of a CNN on onnxruntime; undefined when its head has a hidden activation without a graph here. */
export function cnnAttackerGradient(model: CnnParts, placement: WeightPlacement = 'shared'): AttackerGradient | undefined {
  const hidden = hiddenActivations(model.dense);
  if (!hidden) return undefined;
  const blocks = model.convolutions.map(({ kernelSize, inputChannels, filters }) => ({ kernelSize, inputChannels, filters }));
  const layout: CnnLayout = { image: model.image, blocks, sizes: [model.dense[0].inputs, ...model.dense.map((layer) => layer.outputs)], hidden };
  const { height, width, channels } = model.image;
  return placedGradient(placement, JSON.stringify(['cnn', layout]), (weights) => cnnAttackerGradientGraph(weights, layout), cnnWeights(model), height * width * channels, classCount(model.dense));
}

/** The same gradient through tfjs, for any model with differentiable scores (the CNN). */
export function tfjsAttackerGradient(logits: (input: tf.Tensor2D) => tf.Tensor2D, inputSize: number, classes: number): AttackerGradient {
  return async (x, rows, aim, targeted) => {
    const labels = oneHotTensor(aim.subarray(0, rows), classes);
    const input = tf.tensor2d(x.subarray(0, rows * inputSize), [rows, inputSize]);
    const [scores, gradient] = tf.tidy(() => [logits(input), tf.grad((at: tf.Tensor) => tf.sum(attackerLoss(logits(at as tf.Tensor2D), labels, targeted)))(input)]);
    try {
      return { logits: (await scores.data()) as Float32Array, gradient: (await gradient.data()) as Float32Array, release: () => undefined };
    } finally {
      tf.dispose([labels, input, scores, gradient]);
    }
  };
}
