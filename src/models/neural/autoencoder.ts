/**
 * Denoising autoencoder (Vincent et al. 2008): dense layers trained to rebuild clean inputs in
 * [0, 1] from corrupted ones (Gaussian noise or masking). Fredrikson et al. (CCS 2015) use one
 * in MI-Face's Process-DAE step, projecting each inverted face onto what faces look like.
 */

import { ValidationError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import type { Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import { forward, layerFromJson, layerToJson, type DenseLayer, type DenseLayerJson } from './dense-network.ts';
import { trainDense } from './train-dense.ts';

/** Parameters of the autoencoder. */
export const AUTOENCODER_PARAMS = {
  hidden: { type: 'integer-list', default: [256], doc: 'encoder widths; the decoder mirrors them' },
  activation: { type: 'choice', values: ['relu', 'sigmoid', 'tanh'] as const, default: 'relu', doc: 'hidden activation' },
  corruption: { type: 'choice', values: ['gaussian', 'masking'] as const, default: 'gaussian', doc: 'how training inputs are corrupted' },
  noise: { type: 'number', default: 0.2, min: 0, max: 1, doc: 'Gaussian std, or the share of inputs zeroed by masking' },
  learningRate: { type: 'number', default: 0.001, above: 0, doc: 'Adam step size' },
  batchSize: { type: 'number', default: 32, min: 1, integer: true, doc: 'rows per step' },
  epochs: { type: 'number', default: 20, min: 1, integer: true, doc: 'passes over the data' },
} satisfies ParamSpecs;

/** JSON form of an autoencoder. */
export interface AutoencoderJson {
  kind: 'autoencoder';
  format: 1;
  layers: DenseLayerJson[];
  params: Record<string, unknown>;
}

/** A fitted denoising autoencoder. */
export class DenoisingAutoencoder {
  readonly layers: readonly DenseLayer[];
  readonly params: Record<string, unknown>;

  constructor(layers: DenseLayer[], params: Record<string, unknown>) {
    this.layers = layers;
    this.params = params;
  }

  /** Rebuilt rows, in [0, 1]. */
  reconstruct(features: Matrix): Matrix {
    if (features.cols !== this.layers[0].inputs) {
      throw new ValidationError('wrong input for the autoencoder', [{ path: 'features', message: `rows have ${features.cols} values, it takes ${this.layers[0].inputs}` }]);
    }
    return forward(this.layers, features);
  }

  /** The code (innermost hidden layer). */
  encode(features: Matrix): Matrix {
    return forward(this.layers, features, Math.ceil(this.layers.length / 2));
  }

  toJSON(): AutoencoderJson {
    return { kind: 'autoencoder', format: 1, layers: this.layers.map(layerToJson), params: this.params };
  }

  static fromJSON(json: AutoencoderJson): DenoisingAutoencoder {
    return new DenoisingAutoencoder(json.layers.map(layerFromJson), json.params);
  }
}

/** Trains a denoising autoencoder on rows with values in [0, 1]. */
export async function trainDenoisingAutoencoder(features: Matrix, params: Record<string, unknown>, rng: Rng, progress?: Progress): Promise<DenoisingAutoencoder> {
  const p: ParamValues<typeof AUTOENCODER_PARAMS> = resolveParams('autoencoder', AUTOENCODER_PARAMS, params);
  if (features.rows === 0) throw new ValidationError('cannot train the autoencoder', [{ path: 'features', message: 'no rows' }]);
  const outside = features.data.findIndex((value) => !(value >= 0 && value <= 1));
  if (outside >= 0) {
    throw new ValidationError('cannot train the autoencoder', [{ path: `features[${Math.floor(outside / features.cols)}]`, message: 'values must lie in [0, 1] (scale the data with a min-max scaler)' }]);
  }
  const sizes = [features.cols, ...p.hidden, ...[...p.hidden].reverse().slice(1), features.cols];
  const result = await trainDense(features, { kind: 'reconstruction', targets: features }, {
    sizes,
    hiddenActivation: p.activation,
    optimizer: 'adam',
    learningRate: p.learningRate,
    batchSize: p.batchSize,
    epochs: p.epochs,
    l2: 0,
    patience: 0,
    rng,
    progress,
    corruption: { kind: p.corruption, level: p.noise },
  });
  return new DenoisingAutoencoder(result.layers, { ...p, hidden: [...p.hidden] });
}
