/**
 * A malicious training algorithm (Song, Ristenpart and Shmatikov, CCS 2017): it fits the data
 * owner's model as asked — the model validates like a benign one — and hides training rows in it
 * by one of four encodings, returning the attacker's key. The data owner sees only the model.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { concatRows } from '../../data/dataset.ts';
import { CapabilityError, ValidationError } from '../../errors.ts';
import { blockOutput, CnnTrainer } from '../../models/neural/cnn.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import type { TrainingHooks } from '../../models/neural/training-hooks.ts';
import type { ParamSpecs, ParamValues } from '../../models/params.ts';
import type { Classifier, Trainer } from '../../models/types.ts';
import type { Rng } from '../../random.ts';
import { capacityRows } from './capacity-abuse.ts';
import { correlationPenalty } from './correlated-value.ts';
import type { ExfiltrationAttackName, ExfiltrationKey } from './key.ts';
import { encodeLsb } from './lsb.ts';
import { chooseSecret, secretItemShape, type Secret } from './secret.ts';
import { signPenalty } from './sign-encoding.ts';

/** What the attacker's algorithm is set to do. */
export interface MaliciousOptions {
  attack: ExfiltrationAttackName;
  /** Items to steal (LSB: as many as fit by default; correlation and sign: as many as fit in a quarter of the weights; capacity abuse: 1). */
  items?: number;
  /** Shrink image items by this whole factor before encoding. */
  downscale?: number;
  /** Weight of the correlation or sign term. */
  lambda?: number;
  /** LSB: low bits per parameter, compression, encryption. */
  bits?: number;
  compress?: boolean;
  passphrase?: string;
  /** Capacity abuse: bits kept per value, and the seed of the synthetic inputs. */
  levelBits?: number;
  syntheticSeed?: number;
}

/** The malicious algorithm's settings as parameters (`--malicious-param k=v`); 0 means the attack's default. */
export const MALICIOUS_PARAMS = {
  items: { type: 'number', default: 0, min: 0, integer: true, doc: 'training rows to steal (0: LSB as many as fit, correlation/sign a quarter of the weights\' worth, capacity 1)' },
  downscale: { type: 'number', default: 1, min: 1, integer: true, doc: 'shrink images by this factor before encoding (more fit)' },
  lambda: { type: 'number', default: 0, min: 0, doc: 'weight of the correlation or sign loss term (0: 3 for correlation, 500 for sign)' },
  bits: { type: 'number', default: 16, min: 1, max: 20, integer: true, doc: 'LSB: low mantissa bits rewritten per float32 parameter' },
  compress: { type: 'boolean', default: true, doc: 'LSB: deflate the secret before hiding it' },
  levelBits: { type: 'number', default: 4, min: 1, max: 8, integer: true, doc: 'capacity abuse: bits kept of each 8-bit value' },
  syntheticSeed: { type: 'number', default: 2017, min: 0, integer: true, doc: 'capacity abuse: seed of the synthetic inputs (part of the key)' },
} satisfies ParamSpecs;

/** Options from resolved parameters (0 → the attack's default). */
export function maliciousOptions(attack: ExfiltrationAttackName, params: ParamValues<typeof MALICIOUS_PARAMS>, passphrase?: string): MaliciousOptions {
  return {
    attack,
    items: params.items || undefined,
    downscale: params.downscale,
    lambda: params.lambda || undefined,
    bits: params.bits,
    compress: params.compress,
    passphrase,
    levelBits: params.levelBits,
    syntheticSeed: params.syntheticSeed,
  };
}

/** Defaults chosen by measurement on the AT&T faces and Fashion-MNIST networks (see `threatlab reproduce exfiltration`). */
export const MALICIOUS_DEFAULTS = { correlationLambda: 3, signLambda: 500, bits: 16, levelBits: 4, syntheticSeed: 2017 } as const;

/**
 * Share of the weights the penalty encodings use unless told otherwise: measured on MNIST MLPs,
 * tying every weight to the secret costs several points of accuracy, a quarter costs under one.
 */
export const ENCODED_SHARE = 0.25;

/** The model, the attacker's key, and the stolen rows as encoded (for scoring; the attacker keeps only the key). */
export interface MaliciousResult {
  model: Classifier;
  key: ExfiltrationKey;
  secret: Secret;
  /** Synthetic rows added to the training data (capacity abuse). */
  syntheticRows: number;
  /** Those rows with the labels that carry the secret. */
  synthetic?: ClassificationDataset;
}

/** Weights a network trainer will create for `data` (the encodings' capacity). */
export function networkWeightCount(trainer: Trainer, data: ClassificationDataset): number {
  const classes = data.classes.length;
  if (trainer instanceof MlpTrainer) {
    const sizes = [data.features.cols, ...trainer.params.hidden, classes];
    return sizes.slice(1).reduce((sum, outputs, l) => sum + sizes[l] * outputs, 0);
  }
  if (trainer instanceof CnnTrainer && data.image) {
    const filters = trainer.params.filters;
    const channels = [data.image.channels, ...filters];
    let [height, width] = [data.image.height, data.image.width];
    for (const _ of filters) [height, width] = blockOutput(height, width, 3);
    const flat = height * width * filters[filters.length - 1];
    return filters.reduce((sum, f, b) => sum + 9 * channels[b] * f, 0) + flat * trainer.params.hidden + trainer.params.hidden * classes;
  }
  throw new CapabilityError(`"${trainer.kind}" trains without a loss we can add to; correlated-value and sign encoding need a network (mlp or cnn); LSB and capacity abuse work on any model`);
}

function trimSecret(secret: Secret, items: number): Secret {
  return { ...secret, items, rows: secret.rows.slice(0, items), values: secret.values.slice(0, items * secret.valuesPerItem) };
}

async function fitWithHooks(trainer: Trainer, data: ClassificationDataset, rng: Rng, hooks: Omit<TrainingHooks, 'initial'>): Promise<Classifier> {
  if (trainer instanceof MlpTrainer || trainer instanceof CnnTrainer) return trainer.fit(data, rng, hooks);
  if (hooks.penalty) throw new CapabilityError(`"${trainer.kind}" cannot take a loss term`);
  const model = await trainer.fit(hooks.extraRows ? concatRows(data, hooks.extraRows) : data, rng);
  if (model.task !== 'classification') throw new CapabilityError('malicious training here hides data in classifiers');
  return model;
}

/** Whether `trainer` trains on every row it is given (a network holding none out for validation). */
function trainsOnEveryRow(trainer: Trainer): boolean {
  return trainer instanceof MlpTrainer || trainer instanceof CnnTrainer ? !(trainer.params.validationFraction > 0) : true;
}

/** Trains `trainer` on `data` with the attacker's encoding; `rngs.fit` is the benign training's generator, `rngs.secret` picks the rows. */
export async function trainMalicious(trainer: Trainer, data: ClassificationDataset, rngs: { fit: Rng; secret: Rng }, options: MaliciousOptions): Promise<MaliciousResult> {
  const requested = options.items;
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new ValidationError('cannot train maliciously', [{ path: 'items', message: `${requested}: give a whole number ≥ 1` }]);
  }
  // Every encoding steals a prefix of one seeded order of the rows; only LSB may need them all.
  const choose = (count: number) => chooseSecret(data, count, rngs.secret, { downscale: options.downscale });
  switch (options.attack) {
    case 'lsb': {
      const all = choose(data.features.rows);
      const benign = await fitWithHooks(trainer, data, rngs.fit, {});
      const wanted = trimSecret(all, Math.min(all.items, requested ?? all.items));
      const encoded = encodeLsb(benign, wanted, { bits: options.bits ?? MALICIOUS_DEFAULTS.bits, compress: options.compress ?? true, passphrase: options.passphrase });
      return { model: encoded.model as Classifier, key: encoded.key, secret: trimSecret(wanted, encoded.items), syntheticRows: 0 };
    }
    case 'correlation':
    case 'sign': {
      const weights = networkWeightCount(trainer, data);
      const perItem = secretItemShape(data, options.downscale).valuesPerItem * (options.attack === 'sign' ? 8 : 1);
      const fits = Math.floor(weights / perItem);
      if (fits < 1) throw new CapabilityError(`the network's ${weights} weights cannot hold one item (${perItem} weights needed); widen it or downscale the images`);
      if (requested !== undefined && requested > fits) throw new CapabilityError(`the network's ${weights} weights hold ${fits} items of ${perItem} weights, not ${requested}; ask fewer, widen it or downscale the images`);
      const secret = choose(Math.min(data.features.rows, requested ?? Math.max(1, Math.floor(fits * ENCODED_SHARE))));
      const lambda = options.lambda ?? (options.attack === 'sign' ? MALICIOUS_DEFAULTS.signLambda : MALICIOUS_DEFAULTS.correlationLambda);
      const term = options.attack === 'sign' ? signPenalty(secret.values, lambda) : correlationPenalty(secret.values, lambda);
      try {
        const model = await fitWithHooks(trainer, data, rngs.fit, { penalty: term.penalty });
        const key: ExfiltrationKey = { format: 1, attack: options.attack, items: secret.items, valuesPerItem: secret.valuesPerItem, image: secret.image, parameters: secret.items * perItem, lambda };
        return { model, key, secret, syntheticRows: 0 };
      } finally {
        term.dispose();
      }
    }
    case 'capacity': {
      const secret = choose(Math.min(data.features.rows, requested ?? 1));
      // A trainer that holds no rows out appends the synthetic rows to the rows it is given: laid out behind a copy of them, they join in place.
      const { key, rows, base } = capacityRows(data, secret, { seed: options.syntheticSeed ?? MALICIOUS_DEFAULTS.syntheticSeed, levelBits: options.levelBits ?? MALICIOUS_DEFAULTS.levelBits, behindData: trainsOnEveryRow(trainer) });
      const model = await fitWithHooks(trainer, base ?? data, rngs.fit, { extraRows: rows });
      return { model, key, secret, syntheticRows: rows.features.rows, synthetic: rows };
    }
  }
}
