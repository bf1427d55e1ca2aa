/**
 * Multilayer perceptron classifier: dense hidden layers (tanh, sigmoid or relu) and a softmax
 * output, trained by mini-batch Adam or SGD on tfjs-wasm with early stopping, answering in
 * float64. Tramèr et al. (2016, §4.1.3) extract one-hidden-layer networks of this form; Fredrikson
 * et al. (2015) invert a 3,000-unit sigmoid network trained on faces.
 */

import type { Dataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import { fitStandardScaler, withinUnitInterval } from '../../data/encoders/scaling.ts';
import type { FeatureSchema } from '../../data/schema.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import { argmaxRows, type Classifier, type Trainer } from '../types.ts';
import { checkInputShape, checkInputValues, checkTrainingData, requireClassification } from '../validate.ts';
import { forward, layerToJson, type DenseLayer, type DenseLayerJson } from './dense-network.ts';
import { warmUpDenseKernelSoon } from '../../math/wasm/dense-forward.ts';
import { loopSettings, networkTrainingRows } from './hold-out.ts';
import { trainDense } from './train-dense.ts';
import type { TrainingHooks } from './training-hooks.ts';
import { DP_SGD_PARAMS, dpSgdSettingsOf } from '../../defenses/dp-sgd/params.ts';
import { ADVERSARIAL_TRAINING_PARAMS, adversarialTrainingOption } from '../../defenses/adversarial-training.ts';

/** Parameters of the MLP. */
export const MLP_PARAMS = {
  hidden: { type: 'integer-list', default: [64], doc: 'hidden layer widths, e.g. 64 or 128,64' },
  activation: { type: 'choice', values: ['relu', 'tanh', 'sigmoid'] as const, default: 'relu', doc: 'hidden activation' },
  optimizer: { type: 'choice', values: ['adam', 'sgd'] as const, default: 'adam', doc: 'mini-batch optimiser' },
  learningRate: { type: 'number', default: 0.001, above: 0, doc: 'step size' },
  batchSize: { type: 'number', default: 128, min: 1, integer: true, doc: 'rows per step' },
  epochs: { type: 'number', default: 200, min: 1, integer: true, doc: 'passes over the training data at most (early stopping usually ends sooner)' },
  l2: { type: 'number', default: 0, min: 0, doc: 'L2 penalty on the weights' },
  validationFraction: { type: 'number', default: 0.1, min: 0, max: 0.5, doc: 'share of training rows held out for early stopping (0: none)' },
  patience: { type: 'number', default: 10, min: 0, integer: true, doc: 'epochs without validation improvement before stopping (0: never)' },
  standardize: {
    type: 'boolean',
    default: true,
    doc: 'standardise inputs on the training rows (folded into the first layer) unless every input already lies in [0, 1] (pixels, one-hot levels), which goes in as it is; false feeds raw features always; the model file records which was done',
  },
  standardizeUnitInputs: { type: 'boolean', default: false, doc: 'with standardize, scale inputs that all lie in [0, 1] too (as every MLP was trained before 2026-12-06; shadow models of a file that says standardize=true are trained so)' },
  ...DP_SGD_PARAMS,
  ...ADVERSARIAL_TRAINING_PARAMS,
} satisfies ParamSpecs;

/** Validated MLP parameters. */
export type MlpParams = ParamValues<typeof MLP_PARAMS>;

/** JSON form of an MLP. */
export interface MlpJson {
  kind: 'mlp';
  format: 1;
  classes: string[];
  schema: FeatureSchema;
  layers: DenseLayerJson[];
  params: Record<string, unknown>;
}

/** A fitted MLP classifier (float64 forward pass). */
export class Mlp implements Classifier {
  readonly task = 'classification' as const;
  readonly kind = 'mlp' as const;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly inputSize: number;
  readonly layers: readonly DenseLayer[];
  readonly params: Record<string, unknown>;

  constructor(init: { classes: readonly string[]; schema: FeatureSchema; layers: DenseLayer[]; params: Record<string, unknown> }) {
    this.classes = init.classes;
    this.schema = init.schema;
    this.layers = init.layers;
    this.inputSize = init.layers[0].inputs;
    this.params = init.params;
    // Its predictions run the dense kernel: V8's optimised code for it made ahead (dense-forward.ts).
    warmUpDenseKernelSoon();
  }

  predictProba(features: Matrix): Matrix {
    checkInputShape(this.kind, this.inputSize, features);
    return forward(this.layers, features, this.layers.length, (input) => checkInputValues(this.kind, input, { schema: this.schema }));
  }

  predict(features: Matrix): Int32Array {
    return argmaxRows(this.predictProba(features));
  }

  toJSON(): MlpJson {
    return { kind: 'mlp', format: 1, classes: [...this.classes], schema: this.schema, layers: this.layers.map(layerToJson), params: this.params };
  }
}

/** Folds input standardisation (x − offset) · factor into the first layer, exactly. */
export function foldInputScaling(layer: DenseLayer, offset: Float64Array, factor: Float64Array): DenseLayer {
  const weights = Float64Array.from(layer.weights);
  const biases = Float64Array.from(layer.biases);
  for (let k = 0; k < layer.inputs; k++) {
    for (let j = 0; j < layer.outputs; j++) {
      weights[k * layer.outputs + j] *= factor[k];
      biases[j] -= weights[k * layer.outputs + j] * offset[k];
    }
  }
  return { ...layer, weights, biases };
}

/** Trains an MLP classifier. */
export class MlpTrainer implements Trainer<Mlp> {
  readonly kind = 'mlp' as const;
  readonly task = 'classification' as const;
  readonly params: MlpParams;
  private readonly progress?: Progress;

  constructor(params: Record<string, unknown> = {}, progress?: Progress) {
    this.params = resolveParams('mlp', MLP_PARAMS, params);
    this.progress = progress;
  }

  /** Fits on `data`; `hooks` serve malicious training and fine-tuning (training-hooks.ts). */
  async fit(data: Dataset, rng: Rng, hooks: TrainingHooks<Mlp> = {}): Promise<Mlp> {
    warmUpDenseKernelSoon(); // during the training, for the model's first predictions
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification);
    const p = this.params;
    const privacy = dpSgdSettingsOf(this.kind, p, classification.features.rows);
    if (privacy && p.standardize) {
      throw new ValidationError('cannot train "mlp" with DP-SGD', [{ path: 'standardize', message: 'standardize=true scales by the training rows\' means and spreads, which DP-SGD does not protect; give standardize=false (inputs on a fixed scale, e.g. pixels in [0, 1])' }]);
    }
    // DP-SGD runs every epoch on every row: early stopping on held-out rows would spend privacy the accountant does not count.
    const fraction = privacy ? 0 : p.validationFraction;
    const { train, only, validation } = networkTrainingRows(classification, fraction, rng.fork(), { extraRows: hooks.extraRows, copy: p.adversarialEpsilon !== 0 });
    // Inputs already on the unit scale are fed as they are (see MLP_PARAMS.standardize); the model records what was done.
    const scaler = p.standardize && (p.standardizeUnitInputs || !onUnitScale(train.features, only)) ? fitStandardScaler(train.features, only) : undefined;
    if (scaler && (hooks.penalty || hooks.initial)) {
      throw new ValidationError('cannot train "mlp"', [{ path: 'standardize', message: 'a weight penalty or starting weights need standardize=false (folding the scaling into the first layer would change the weights)' }]);
    }
    const sizes = [classification.features.cols, ...p.hidden, classification.classes.length];
    if (hooks.initial && hooks.initial.layers.map((layer) => layer.inputs).concat(hooks.initial.layers.at(-1)!.outputs).join() !== sizes.join()) {
      throw new ValidationError('cannot fine-tune "mlp"', [{ path: 'initial', message: `the starting model's layer sizes differ from ${sizes.join('-')}; give hidden= as the model's` }]);
    }
    // Rows go in unscaled with the scaling beside them (the native engine scales each batch).
    const result = await trainDense(train.features, { kind: 'classification', labels: train.labels, classes: classification.classes.length }, {
      only,
      sizes,
      hiddenActivation: p.activation,
      optimizer: p.optimizer,
      ...loopSettings(p, validation),
      inputScaling: scaler,
      rng: rng.fork(),
      progress: this.progress,
      penalty: hooks.penalty,
      initial: hooks.initial && initialDenseValues(hooks.initial),
      privacy,
      adversary: adversarialTrainingOption(p, train.features, rng.fork(), scaler),
    });
    const layers = result.layers;
    if (scaler) layers[0] = foldInputScaling(layers[0], scaler.offset, scaler.factor);
    return new Mlp({
      classes: classification.classes,
      schema: classification.schema,
      layers,
      params: { ...p, standardize: scaler !== undefined, hidden: [...p.hidden], epochsRun: result.epochsRun, bestEpoch: result.bestEpoch, ...(result.privacy && { privacy: result.privacy }) },
    });
  }
}

/**
 * Whether every training value (the rows `only`, else all) lies in [0, 1] (`withinUnitInterval`):
 * an MNIST MLP standardised had first-layer weights up to 237 against a median of 0.34 per pixel,
 * and DeepFool turned its rows with a median L2 change of 0.026 against 0.63 for the same network
 * on raw pixels, at the same test accuracy (0.92, 0.91).
 */
function onUnitScale(features: Matrix, only?: Uint32Array): boolean {
  const { cols, data } = features;
  const rows = only?.length ?? features.rows;
  for (let i = 0; i < rows; i++) {
    const start = (only ? only[i] : i) * cols;
    if (!withinUnitInterval(data, start, start + cols)) return false;
  }
  return true;
}

/** A fitted network's layers as the dense trainer's variables: weights first, then biases. */
function initialDenseValues(model: Mlp): Float32Array[] {
  return [...model.layers.map((layer) => Float32Array.from(layer.weights)), ...model.layers.map((layer) => Float32Array.from(layer.biases))];
}
