/**
 * A small convolutional classifier for images: blocks of [3×3 valid convolution → relu → 2×2
 * max-pool], then a dense relu layer and a softmax output. Trains on onnxruntime's native kernels
 * (native/cnn-step-graph.ts: the loss and gradients written out as a graph, repeating PyTorch's
 * Adam step for step; adversarial training's PGD examples made in the same graph; DP-SGD's
 * clipped sums in native/cnn-private-graph.ts) — a weight penalty without values trains on
 * tfjs-wasm (which needs the conv-filter and max-pool gradient fixes of src/backend), as does
 * THREATLAB_TRAINING_ENGINE=tfjs — and answers with an exact
 * float64 forward pass, like every other threatlab model. Used by the image attacks (evasion,
 * membership inference on Fashion-MNIST, malicious training).
 */

import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import type { Dataset, ImageShape } from '../../data/dataset.ts';
import type { FeatureSchema } from '../../data/schema.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import { CNN_FEATURES, reusedMatrix } from '../../math/reused-matrices.ts';
import { convolveImages, warmUpCnnKernelSoon } from '../../math/wasm/cnn-block-kernel.ts';
import { warmUpDenseKernelSoon } from '../../math/wasm/dense-forward.ts';
import type { Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import { argmaxRows, type Classifier, type Trainer } from '../types.ts';
import { checkInput, checkTrainingData, requireClassification } from '../validate.ts';
import { forward, layerToJson, type DenseLayer, type DenseLayerJson } from './dense-network.ts';
import { loopSettings, networkTrainingRows } from './hold-out.ts';
import { glorotUniform, trainNetwork, type LoopOptions, type LoopResult, type NetworkObjective } from './train-loop.ts';
import { defaultEngine } from './train-dense.ts';
import { nativeEngineFits, trainNative } from './native/native-stepper.ts';
import { cnnStepGraphs, type CnnGraphSpec } from './native/cnn-step-graph.ts';
import { cnnPrivateStepGraphs } from './native/cnn-private-graph.ts';
import { trainNativePrivately } from './native/native-private.ts';
import { blockOutput, flatWidth } from './cnn-shape.ts';
import type { TrainingHooks } from './training-hooks.ts';
import type { LinearOp, ProbedNetwork } from '../../defenses/dp-sgd/clipped-gradients.ts';
import { DP_SGD_PARAMS, dpSgdSettingsOf } from '../../defenses/dp-sgd/params.ts';
import { ADVERSARIAL_TRAINING_PARAMS, adversarialTrainingOption } from '../../defenses/adversarial-training.ts';
import { trainPrivately, type DpSgdRecord, type DpSgdSettings } from '../../defenses/dp-sgd/private-training.ts';

/** One convolution block's parameters; weights in tfjs layout [kh, kw, in, out]. */
export interface ConvBlock {
  kernelSize: number;
  inputChannels: number;
  filters: number;
  weights: Float64Array;
  biases: Float64Array;
}

/** JSON form of a CNN. */
export interface CnnJson {
  kind: 'cnn';
  format: 1;
  classes: string[];
  schema: FeatureSchema;
  image: ImageShape;
  convolutions: { kernelSize: number; inputChannels: number; filters: number; weights: number[]; biases: number[] }[];
  dense: DenseLayerJson[];
  params: Record<string, unknown>;
}

export { blockOutput } from './cnn-shape.ts';

/** A fitted CNN classifier. */
/** A CNN's predictions run the convolution and dense kernels: V8's optimised code for them made ahead (memory.ts `warmUpSoon`). */
function warmUpPredictionKernels(): void {
  warmUpCnnKernelSoon();
  warmUpDenseKernelSoon();
}

export class Cnn implements Classifier {
  readonly task = 'classification' as const;
  readonly kind = 'cnn' as const;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly inputSize: number;
  readonly image: ImageShape;
  readonly convolutions: readonly ConvBlock[];
  readonly dense: readonly DenseLayer[];
  readonly params: Record<string, unknown>;

  constructor(init: { classes: readonly string[]; schema: FeatureSchema; image: ImageShape; convolutions: ConvBlock[]; dense: DenseLayer[]; params: Record<string, unknown> }) {
    this.classes = init.classes;
    this.schema = init.schema;
    this.image = init.image;
    this.convolutions = init.convolutions;
    this.dense = init.dense;
    this.inputSize = init.image.width * init.image.height * init.image.channels;
    this.params = init.params;
    warmUpPredictionKernels();
  }

  /** Flattened output of the convolution blocks (in WebAssembly: cnn-block-kernel.ts), written to `into` where given. */
  features(input: Matrix, into?: Matrix): Matrix {
    checkInput(this.kind, this.inputSize, input, { schema: this.schema });
    const out = into ?? createMatrix(input.rows, this.dense[0].inputs);
    convolveImages(this.image, this.convolutions, input.data, input.rows, out.data);
    return out;
  }

  predictProba(input: Matrix): Matrix {
    // The head reads the features before this returns: they go to this thread's reused matrix.
    return forward(this.dense, this.features(input, reusedMatrix(CNN_FEATURES, input.rows, this.dense[0].inputs)));
  }

  predict(input: Matrix): Int32Array {
    return argmaxRows(this.predictProba(input));
  }

  toJSON(): CnnJson {
    return {
      kind: 'cnn',
      format: 1,
      classes: [...this.classes],
      schema: this.schema,
      image: this.image,
      convolutions: this.convolutions.map((block) => ({ ...block, weights: Array.from(block.weights), biases: Array.from(block.biases) })),
      dense: this.dense.map(layerToJson),
      params: this.params,
    };
  }
}

/** Parameters of the CNN. */
export const CNN_PARAMS = {
  filters: { type: 'integer-list', default: [8, 16], doc: 'filters of each 3×3 convolution block' },
  hidden: { type: 'number', default: 64, min: 1, integer: true, doc: 'width of the dense layer' },
  learningRate: { type: 'number', default: 0.001, above: 0, doc: 'Adam step size' },
  batchSize: { type: 'number', default: 64, min: 1, integer: true, doc: 'images per step' },
  epochs: { type: 'number', default: 10, min: 1, integer: true, doc: 'passes over the data at most' },
  l2: { type: 'number', default: 0, min: 0, doc: 'L2 penalty on the weights' },
  validationFraction: { type: 'number', default: 0.1, min: 0, max: 0.5, doc: 'share held out for early stopping (0: none)' },
  patience: { type: 'number', default: 3, min: 0, integer: true, doc: 'epochs without validation improvement before stopping (0: never)' },
  ...DP_SGD_PARAMS,
  ...ADVERSARIAL_TRAINING_PARAMS,
} satisfies ParamSpecs;

/** Trains a CNN on an image data set. */
export class CnnTrainer implements Trainer<Cnn> {
  readonly kind = 'cnn' as const;
  readonly task = 'classification' as const;
  readonly params: ParamValues<typeof CNN_PARAMS>;
  private readonly progress?: Progress;

  constructor(params: Record<string, unknown> = {}, progress?: Progress) {
    this.params = resolveParams('cnn', CNN_PARAMS, params);
    this.progress = progress;
  }

  /** Fits on `data`; `hooks` serve malicious training and fine-tuning (training-hooks.ts). */
  async fit(data: Dataset, rng: Rng, hooks: TrainingHooks<Cnn> = {}): Promise<Cnn> {
    warmUpPredictionKernels(); // during the training, for the model's first predictions
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification);
    const image = classification.image;
    if (!image) {
      throw new ValidationError('cannot train "cnn"', [{ path: 'data', message: `data set "${data.name}" has no image shape; train a CNN on images (mnist, fashion-mnist, att-faces)` }]);
    }
    const p = this.params;
    let [height, width] = [image.height, image.width];
    for (const _ of p.filters) [height, width] = blockOutput(height, width, 3);
    if (height < 1 || width < 1) {
      throw new ValidationError('cannot train "cnn"', [{ path: 'filters', message: `${p.filters.length} blocks shrink a ${image.width}×${image.height} image to nothing; use fewer` }]);
    }
    const init = rng.fork();
    const channels = [image.channels, ...p.filters];
    const flat = flatWidth({ image, filters: p.filters });
    const classes = classification.classes.length;
    const startKernels = p.filters.map((filters, b) => glorotUniform(init, 9 * channels[b] * filters, 9 * channels[b], 9 * filters));
    const startDense = [glorotUniform(init, flat * p.hidden, flat, p.hidden), glorotUniform(init, p.hidden * classes, p.hidden, classes)];
    // The tfjs loop's variable order: kernels (3 × 3 × in × filters), their biases, dense weights, their biases.
    const start = [...startKernels, ...p.filters.map((filters) => new Float32Array(filters)), ...startDense, new Float32Array(p.hidden), new Float32Array(classes)];
    const privacy = dpSgdSettingsOf(this.kind, p, classification.features.rows);
    // DP-SGD runs every epoch on every row: early stopping on held-out rows would spend privacy the accountant does not count.
    const fraction = privacy ? 0 : p.validationFraction;
    const { train, only, validation } = networkTrainingRows(classification, fraction, rng.fork(), { extraRows: hooks.extraRows, copy: p.adversarialEpsilon !== 0 });
    const initial = hooks.initial && [
      ...hooks.initial.convolutions.map((block) => Float32Array.from(block.weights)),
      ...hooks.initial.convolutions.map((block) => Float32Array.from(block.biases)),
      ...hooks.initial.dense.map((layer) => Float32Array.from(layer.weights)),
      ...hooks.initial.dense.map((layer) => Float32Array.from(layer.biases)),
    ];
    if (initial && initial.some((values, k) => values.length !== start[k].length)) {
      throw new ValidationError('cannot fine-tune "cnn"', [{ path: 'initial', message: 'the starting model\'s layer sizes differ; give filters= and hidden= as the model\'s' }]);
    }
    const loopOptions = {
      optimizer: 'adam' as const,
      ...loopSettings(p, validation),
      rng: rng.fork(),
      progress: this.progress,
      penalty: hooks.penalty,
      initial,
      adversary: adversarialTrainingOption(p, train.features, rng.fork()),
    } satisfies LoopOptions;
    const objective: NetworkObjective = { kind: 'classification', labels: train.labels, classes };
    const spec = { image, filters: [...p.filters], hidden: p.hidden, classes, l2: p.l2 };
    const fit = async () => {
      // Only the plain native engine reads the training rows in place; the others get them copied out.
      const copied = () => (only ? selectRows(train.features, only) : train.features);
      if (defaultEngine() === 'tfjs') return trainCnnOnTfjs(spec, start, copied(), objective, loopOptions, privacy);
      // DP-SGD's clipped sums in one onnxruntime call a step (cnn-private-graph.ts).
      if (privacy) return trainNativePrivately(copied(), objective, cnnPrivateStepGraphs(spec), start, loopOptions, privacy);
      if (!nativeEngineFits(objective, loopOptions)) return trainCnnOnTfjs(spec, start, copied(), objective, loopOptions, privacy);
      // The rows stay float64, cast a batch at a time (~1% of a step): a float32 copy made once cost
      // the first fit 1,500 fresh pages for 2,000 Fashion-MNIST images (457–462 against 475–552 ms over 5 epochs).
      return trainNative(train.features, objective, (rows) => cnnStepGraphs({ ...spec, rows, adversarialSteps: loopOptions.adversary?.steps }), start, loopOptions, { roundOnceFromPasses: Infinity, only });
    };
    const trained = await fit();
    const { parameters, ...history } = trained;
    const blocks = p.filters.length;
    const convolutions: ConvBlock[] = p.filters.map((filters, b) => ({
      kernelSize: 3,
      inputChannels: channels[b],
      filters,
      weights: Float64Array.from(parameters[b]),
      biases: Float64Array.from(parameters[blocks + b]),
    }));
    const denseLayers: DenseLayer[] = [
      { inputs: flat, outputs: p.hidden, weights: Float64Array.from(parameters[2 * blocks]), biases: Float64Array.from(parameters[2 * blocks + 2]), activation: 'relu' },
      { inputs: p.hidden, outputs: classes, weights: Float64Array.from(parameters[2 * blocks + 1]), biases: Float64Array.from(parameters[2 * blocks + 3]), activation: 'softmax' },
    ];
    return new Cnn({
      classes: classification.classes,
      schema: classification.schema,
      image,
      convolutions,
      dense: denseLayers,
      params: { ...p, filters: [...p.filters], epochsRun: history.epochsRun, bestEpoch: history.bestEpoch, ...('privacy' in history && { privacy: history.privacy }) },
    });
  }
}

/**
 * The tfjs engine (a weight penalty without values, or asked for): the network of `spec` from
 * `start` (the tfjs variable order), trained by the shared loop or privately; the trained values in
 * the same order, and the history.
 */
async function trainCnnOnTfjs(
  spec: Omit<CnnGraphSpec, 'rows'>,
  start: Float32Array[],
  features: Matrix,
  objective: NetworkObjective,
  loopOptions: LoopOptions,
  privacy: DpSgdSettings | undefined,
): Promise<LoopResult & { parameters: Float32Array[]; privacy?: DpSgdRecord }> {
  await initBackend();
  const network = tfjsCnnNetwork(spec, start);
  const { variables } = network;
  const history = privacy ? await trainPrivately(network, features, objective, loopOptions, privacy) : await trainNetwork(network, features, objective, loopOptions);
  const parameters = variables.map((v) => v.dataSync() as Float32Array);
  variables.forEach((v) => v.dispose());
  return { ...history, parameters };
}

/**
 * The network of `spec` on tfjs (the backend started), its variables from `start` in the tfjs
 * loop's order: what the shared loop and DP-SGD's clipped sums (clipped-gradients.ts) train, and
 * what the native engine's graphs are tested against. The caller disposes of the variables.
 */
export function tfjsCnnNetwork(spec: Omit<CnnGraphSpec, 'rows'>, start: Float32Array[]): ProbedNetwork & { variables: tf.Variable[]; penalized: tf.Variable[]; scores: (input: tf.Tensor2D) => tf.Tensor2D } {
  const { image, filters } = spec;
  const blocks = filters.length;
  const flat = flatWidth(spec);
  const kernels = filters.map((count, b) => tf.variable(tf.tensor4d(start[b], [3, 3, b === 0 ? image.channels : filters[b - 1], count])));
  const kernelBiases = filters.map((_, b) => tf.variable(tf.tensor1d(start[blocks + b])));
  const dense = [tf.variable(tf.tensor2d(start[2 * blocks], [flat, spec.hidden])), tf.variable(tf.tensor2d(start[2 * blocks + 1], [spec.hidden, spec.classes]))];
  const denseBiases = [tf.variable(tf.tensor1d(start[2 * blocks + 2])), tf.variable(tf.tensor1d(start[2 * blocks + 3]))];
  type AtOp = (l: number, opInput: tf.Tensor, opOutput: tf.Tensor) => tf.Tensor;
  const forward = (input: tf.Tensor2D, atOp: AtOp): tf.Tensor2D => {
    let current = tf.reshape(input, [-1, image.height, image.width, image.channels]) as tf.Tensor4D;
    kernels.forEach((kernel, b) => {
      const convolved = atOp(b, current, tf.add(tf.conv2d(current, kernel, 1, 'valid'), kernelBiases[b]));
      current = tf.maxPool(tf.relu(convolved) as tf.Tensor4D, 2, 2, 'valid');
    });
    const flattened = tf.reshape(current, [-1, flat]) as tf.Tensor2D;
    const hidden = tf.relu(atOp(kernels.length, flattened, tf.add(tf.matMul(flattened, dense[0]), denseBiases[0]))) as tf.Tensor2D;
    return atOp(kernels.length + 1, hidden, tf.add(tf.matMul(hidden, dense[1]), denseBiases[1])) as tf.Tensor2D;
  };
  const scores = (input: tf.Tensor2D): tf.Tensor2D => forward(input, (_l, _input, output) => output);
  const ops: LinearOp[] = [
    ...kernels.map((weight, b): LinearOp => ({ kind: 'conv', weight, bias: kernelBiases[b], kernelSize: 3 })),
    ...dense.map((weight, l): LinearOp => ({ kind: 'dense', weight, bias: denseBiases[l] })),
  ];
  return { variables: [...kernels, ...kernelBiases, ...dense, ...denseBiases], penalized: [...kernels, ...dense], scores, ops, forward };
}
