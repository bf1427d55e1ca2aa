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
import { openDirectSession, type DirectSession } from '../../models/neural/native/direct-session.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { attackerLoss, oneHotTensor } from './gradient-problem.ts';
import { attackerGradientGraph, cnnNetwork, denseNetwork, hiddenActivations, type CnnLayout, type GraphWeights, type NetworkBuilder } from './gradient-graphs.ts';

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

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 };

// Sessions of architectures (the weights fed each run), made once per process and shared by every model of the architecture.
const sharedSessions = new Map<string, Promise<DirectSession>>();

function sharedSession(key: string, graph: () => Uint8Array): () => Promise<DirectSession> {
  return () => {
    let session = sharedSessions.get(key);
    if (!session) {
      session = nativeCall(() => openDirectSession(graph(), SESSION_OPTIONS));
      if (sharedSessions.size >= 16) sharedSessions.delete(sharedSessions.keys().next().value!);
      sharedSessions.set(key, session);
    }
    return session;
  };
}

/** A model's own session (its weights held in the graph), made on the first call and kept by the gradient; `options` added to this file's. */
export function ownSession(graph: () => Uint8Array, options: ort.InferenceSession.SessionOptions = {}): () => Promise<DirectSession> {
  let session: Promise<DirectSession> | undefined;
  return () => (session ??= nativeCall(() => openDirectSession(graph(), { ...SESSION_OPTIONS, ...options })));
}

/** The largest outputs a gradient keeps between its calls (a batch of 256 rows of 4,096 values). */
const HOLD_BYTES = 4 << 20;

/** Runs a graph of this file: the rows, the aim one-hot and the sign, with `fed` (the weights of a shared session's model). */
function nativeGradient(session: () => Promise<DirectSession>, fed: Record<string, ort.Tensor>, inputSize: number, classes: number): AttackerGradient {
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

/**
 * A model as the graphs of gradient-graphs.ts take it: its network (its weights held in the graph
 * when given, else inputs), its float32 weights, its input width, its classes (two for a single
 * score), and its architecture's key (which keys a shared session).
 */
export interface GraphModel {
  network(weights: GraphWeights | undefined): NetworkBuilder;
  weights: GraphWeights;
  inputSize: number;
  classes: number;
  kind: 'dense' | 'cnn';
  architecture: string;
}

/** The attacker gradient of `model`, its weights placed as `placement` says. */
export function placedGradient(placement: WeightPlacement, model: GraphModel): AttackerGradient {
  const { inputSize, classes, architecture, weights } = model;
  const graph = (held: GraphWeights | undefined) => attackerGradientGraph(model.network(held), inputSize, model.kind === 'cnn' ? 'cnn-attacker-gradient' : 'attacker-gradient');
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

/** A stack of dense layers as a graph model; undefined when a hidden layer's activation has no graph here. */
export function denseGraphModel(layers: readonly DenseLayer[]): GraphModel | undefined {
  const hidden = hiddenActivations(layers);
  if (!hidden) return undefined;
  const sizes = [layers[0].inputs, ...layers.map((layer) => layer.outputs)];
  return { network: (weights) => denseNetwork(weights, sizes, hidden), weights: denseWeights(layers), inputSize: sizes[0], classes: classCount(layers), kind: 'dense', architecture: JSON.stringify(['dense', sizes, hidden]) };
}

/** The attacker gradient of a stack of dense layers on onnxruntime; undefined when a hidden layer's activation has no graph here. */
export function denseAttackerGradient(layers: readonly DenseLayer[], placement: WeightPlacement = 'shared'): AttackerGradient | undefined {
  const model = denseGraphModel(layers);
  return model && placedGradient(placement, model);
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

/** A CNN as a graph model; undefined when its head has a hidden activation without a graph here. */
export function cnnGraphModel(model: CnnParts): GraphModel | undefined {
  const hidden = hiddenActivations(model.dense);
  if (!hidden) return undefined;
  const blocks = model.convolutions.map(({ kernelSize, inputChannels, filters }) => ({ kernelSize, inputChannels, filters }));
  const layout: CnnLayout = { image: model.image, blocks, sizes: [model.dense[0].inputs, ...model.dense.map((layer) => layer.outputs)], hidden };
  const { height, width, channels } = model.image;
  return { network: (weights) => cnnNetwork(weights, layout), weights: cnnWeights(model), inputSize: height * width * channels, classes: classCount(model.dense), kind: 'cnn', architecture: JSON.stringify(['cnn', layout]) };
}

/** The attacker gradient of a CNN on onnxruntime; undefined when its head has a hidden activation without a graph here. */
export function cnnAttackerGradient(model: CnnParts, placement: WeightPlacement = 'shared'): AttackerGradient | undefined {
  const graphModel = cnnGraphModel(model);
  return graphModel && placedGradient(placement, graphModel);
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
