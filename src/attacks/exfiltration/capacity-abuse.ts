/**
 * Capacity abuse (Song, Ristenpart and Shmatikov, CCS 2017, §5): black-box. The malicious
 * trainer appends synthetic inputs — sparse random binary patterns from a generator seeded by
 * the attacker's key, unlike any real row — labelled with the secret: each 8-bit value quantised to `levelBits` bits, the bit
 * stream cut into ⌊log2 classes⌋-bit labels. The model memorises them alongside its real task.
 * The attacker regenerates the same inputs and reads the labels back by querying the deployed
 * model; labels are all it needs, so a label-only API does not stop it.
 */

import { classificationDataset, rowsWithRoom, type ClassificationDataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import type { Answer } from '../../oracle/types.ts';
import { Rng } from '../../random.ts';
import type { Attack } from '../types.ts';
import type { CapacityKey } from './key.ts';
import { bitsToValues, dequantize, quantize, valuesToBits, type Secret } from './secret.ts';

/** Options of the capacity-abuse trainer. */
export interface CapacityOptions {
  seed: number;
  levelBits: number;
  /** Share of lit features in a synthetic input (default SYNTHETIC_DENSITY). */
  density?: number;
}

/**
 * The synthetic inputs of a key: each feature at the top of the key's range with probability
 * `density`, else at the bottom, by a seeded coin. Sparse binary patterns lie far apart and far
 * from real rows, so a network memorises their labels quickly. Measured: uniform values in the
 * range left a Fashion-MNIST MLP at MAPE 30 where binary patterns give 1.5; at density 0.5 the
 * AT&T faces sigmoid MLP lost 15–40 points of test accuracy (its units saturate on 5,000 lit
 * pixels), at 0.1 it kept its accuracy with the same face decoded at the 4-bit floor.
 */
export function syntheticInputs(key: Pick<CapacityKey, 'seed' | 'rows' | 'inputSize' | 'range' | 'density'>, into?: Float64Array): Matrix {
  const out = createMatrix(key.rows, key.inputSize, into);
  new Rng(key.seed).fillCoins(out.data, key.density, key.range[1], key.range[0]);
  return out;
}

/** Share of lit features in a synthetic input unless told otherwise. */
export const SYNTHETIC_DENSITY = 0.1;

/**
 * The key and the labelled synthetic rows that carry `secret` in a model trained on `data`. With
 * `behindData`, also `base`: `data`'s rows copied in front of the synthetic rows in one buffer, so
 * that training on `base` with the synthetic rows appended joins them without a copy.
 */
export function capacityRows(data: ClassificationDataset, secret: Secret, options: CapacityOptions & { behindData?: boolean }): { key: CapacityKey; rows: ClassificationDataset; base?: ClassificationDataset } {
  const bitsPerLabel = Math.floor(Math.log2(data.classes.length));
  if (bitsPerLabel < 1) throw new ValidationError('cannot abuse capacity', [{ path: 'classes', message: `${data.classes.length} class: labels carry no bits; it needs 2 classes or more` }]);
  const bits = valuesToBits(quantize(secret.values, options.levelBits), options.levelBits);
  const count = Math.ceil(bits.length / bitsPerLabel);
  const key: CapacityKey = {
    format: 1,
    attack: 'capacity',
    items: secret.items,
    valuesPerItem: secret.valuesPerItem,
    image: secret.image,
    seed: options.seed,
    rows: count,
    inputSize: data.features.cols,
    range: secret.range,
    density: options.density ?? SYNTHETIC_DENSITY,
    levelBits: options.levelBits,
    bitsPerLabel,
  };
  const labels = Int32Array.from({ length: count }, (_, row) => {
    let label = 0;
    for (let b = 0; b < bitsPerLabel; b++) label = (label << 1) | (bits[row * bitsPerLabel + b] ?? 0);
    return label;
  });
  const laidOut = options.behindData ? rowsWithRoom(data, count) : undefined;
  const rows = classificationDataset({ name: `${data.name} + synthetic`, features: syntheticInputs(key, laidOut?.room), schema: data.schema, labels, classes: data.classes, targetName: data.targetName, image: data.image });
  return { key, rows, ...(laidOut && { base: laidOut.copy }) };
}

/** Values from the labels the model gave the synthetic inputs. */
export function valuesFromLabels(labels: ArrayLike<number>, key: CapacityKey): Uint8Array {
  const bits = new Uint8Array(labels.length * key.bitsPerLabel);
  for (let row = 0; row < labels.length; row++) {
    const label = Math.min(labels[row], 2 ** key.bitsPerLabel - 1);
    for (let b = 0; b < key.bitsPerLabel; b++) bits[row * key.bitsPerLabel + b] = (label >> (key.bitsPerLabel - 1 - b)) & 1;
  }
  const count = key.items * key.valuesPerItem;
  return dequantize(bitsToValues(bits, key.levelBits, count), key.levelBits);
}

/** What the decoder read. */
export interface CapacityDecoding {
  values: Uint8Array;
  /** Synthetic rows queried (the key's `rows`). */
  rows: number;
}

function labelOf(answer: Answer): number {
  if (answer.kind === 'value') throw new ValidationError('cannot decode by capacity abuse', [{ path: 'oracle', message: 'the model answers values (regression); capacity abuse reads class labels' }]);
  return answer.label;
}

/** The decoder as an attack: query the synthetic inputs in batches, read the labels (label-only suffices). */
export function capacityDecoder(key: CapacityKey, batch = 500): Attack<Record<string, never>, CapacityDecoding> {
  return {
    name: 'capacity-abuse',
    family: 'exfiltration',
    needs: ['label', 'scores', 'top-k', 'leaf'],
    reference: 'Song, Ristenpart and Shmatikov, "Machine Learning Models that Remember Too Much", CCS 2017, §5',
    params: {},
    async run({ oracle, progress }) {
      const inputs = syntheticInputs(key);
      const labels = new Int32Array(key.rows);
      progress.start('querying synthetic inputs', key.rows);
      for (let start = 0; start < key.rows; start += batch) {
        const end = Math.min(key.rows, start + batch);
        const rows = createMatrix(end - start, key.inputSize, inputs.data.slice(start * key.inputSize, end * key.inputSize));
        const answers = await oracle.query(rows);
        answers.forEach((answer, k) => (labels[start + k] = labelOf(answer)));
        progress.tick(end - start);
      }
      progress.done();
      return { values: valuesFromLabels(labels, key), rows: key.rows };
    },
  };
}
