/**
 * What a data owner can do to a model before publishing it when the training code was not its
 * own (Song, Ristenpart and Shmatikov, CCS 2017, §7): rewrite the low mantissa bits of every
 * parameter (kills LSB encoding), add Gaussian noise to the weights, or fine-tune a few epochs on
 * clean data with its own code. Each returns a new model; the model's accuracy says what it cost.
 */

import type { ClassificationDataset } from '../data/dataset.ts';
import { CapabilityError, ValidationError } from '../errors.ts';
import { Cnn, CnnTrainer } from '../models/neural/cnn.ts';
import { Mlp, MlpTrainer } from '../models/neural/mlp.ts';
import { withParameters } from '../models/parameter-arrays.ts';
import { float32Bits, fromFloat32Bits } from '../math/float32-bits.ts';
import type { Classifier, Model } from '../models/types.ts';
import type { Rng } from '../random.ts';

/** Zeroes (or, with an rng, randomises) the lowest `bits` mantissa bits of every float32 parameter. */
export function scrubLowBits(model: Model, bits: number, rng?: Rng): Model {
  if (!Number.isInteger(bits) || bits < 1 || bits > 23) throw new ValidationError('cannot scrub low bits', [{ path: 'bits', message: `${bits}: give 1…23` }]);
  const mask = (1 << bits) - 1;
  return withParameters(model, (arrays) => {
    for (const array of [...arrays.weights, ...arrays.biases]) {
      for (let i = 0; i < array.length; i++) {
        const fill = rng ? rng.nextUint32() & mask : 0;
        array[i] = fromFloat32Bits((float32Bits(array[i]) & ~mask) | fill);
      }
    }
  });
}

/** Adds N(0, (scale·σ_w)²) to every weight, σ_w the standard deviation of that weight array. */
export function addWeightNoise(model: Model, scale: number, rng: Rng): Model {
  if (!(scale >= 0)) throw new ValidationError('cannot add weight noise', [{ path: 'scale', message: `${scale}: give a share of each layer's weight spread ≥ 0, e.g. 0.05` }]);
  return withParameters(model, (arrays) => {
    for (const array of arrays.weights) {
      const mean = array.reduce((sum, v) => sum + v, 0) / array.length;
      const spread = Math.sqrt(array.reduce((sum, v) => sum + (v - mean) ** 2, 0) / array.length);
      for (let i = 0; i < array.length; i++) array[i] += rng.normal(0, scale * spread);
    }
  });
}

/** Fine-tunes a network a few epochs on clean rows with the data owner's own (benign) trainer, starting from its weights. */
export async function fineTune(model: Classifier, clean: ClassificationDataset, params: Record<string, unknown>, rng: Rng): Promise<Classifier> {
  if (model instanceof Mlp) {
    const hidden = model.layers.slice(0, -1).map((layer) => layer.outputs).join(',');
    return new MlpTrainer({ ...pickTraining(model.params), hidden, standardize: false, validationFraction: 0, patience: 0, ...params }).fit(clean, rng, { initial: model });
  }
  if (model instanceof Cnn) {
    const filters = model.convolutions.map((block) => block.filters).join(',');
    return new CnnTrainer({ ...pickTraining(model.params), filters, hidden: model.dense[0].outputs, validationFraction: 0, patience: 0, ...params }).fit(clean, rng, { initial: model });
  }
  throw new CapabilityError(`fine-tuning needs a network (mlp or cnn); a ${model.kind} model is refitted from scratch instead`);
}

/** The training settings of a model's recorded params that a trainer accepts again. */
function pickTraining(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of ['activation', 'optimizer', 'learningRate', 'batchSize', 'l2']) if (params[name] !== undefined) out[name] = params[name];
  return out;
}
