/**
 * A fitted linear classifier: scores z = W x + b turned into probabilities by the family's
 * link — `logistic` (binary, one weight row, p(1) = σ(z)), `softmax` (multinomial logistic
 * regression) or `ovr` (one-vs-rest: p(c) ∝ σ(z_c), normalised as scikit-learn does). These are
 * the models whose parameters Tramèr et al. (2016, §4.1) recover by equation solving.
 */

import type { FeatureSchema } from '../../data/schema.ts';
import { transpose } from '../../math/linalg.ts';
import { createMatrix, plainArray, type Matrix } from '../../math/matrix.ts';
import { forward, KERNEL_MULTIPLY_ADDS, type DenseLayer } from '../neural/dense-network.ts';
import { argmaxRows, type Classifier } from '../types.ts';
import { checkInput, checkInputShape, checkInputValues } from '../validate.ts';

/** The link of a linear classifier. */
export type LinearLink = 'logistic' | 'softmax' | 'ovr';

/** JSON form of a linear classifier. */
export interface LinearClassifierJson {
  kind: LinearLink;
  format: 1;
  classes: string[];
  schema: FeatureSchema;
  /** One row per score: 1 for `logistic`, one per class otherwise. */
  weights: number[][];
  biases: number[];
  params: Record<string, unknown>;
}

/** A fitted linear classifier (exact float64). */
export class LinearClassifier implements Classifier {
  readonly task = 'classification' as const;
  readonly kind: LinearLink;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly inputSize: number;
  /** Scores × features. */
  readonly weights: Matrix;
  readonly biases: Float64Array;
  readonly params: Record<string, unknown>;
  /** The scores as one linear dense layer (features × scores), made on the first call that needs it; null where its sums could differ from the loop's. */
  private scoresLayer: DenseLayer | null | undefined;

  constructor(init: { kind: LinearLink; classes: readonly string[]; schema: FeatureSchema; weights: Matrix; biases: Float64Array; params: Record<string, unknown> }) {
    this.kind = init.kind;
    this.classes = init.classes;
    this.schema = init.schema;
    this.weights = init.weights;
    this.biases = init.biases;
    this.inputSize = init.weights.cols;
    this.params = init.params;
  }

  /**
   * Raw scores z = W x + b (rows × scores). Sparse rows (one-hot data, unit vectors) cost their
   * non-zeros. A call of many multiply-adds goes through the dense layers' forward pass as one
   * linear layer (dense-network.ts: in WebAssembly, the layer laid out once for the model's calls
   * after): the same sums in the same order — the bias, then each non-zero input's product in
   * column order — so the same bits. The AT&T faces softmax (10,304 × 40): 100 rows (a HopSkipJump
   * estimate's probes) 61 ms in the loop, 6.7 ms so; one row 653 µs, 117 µs.
   */
  decisionFunction(features: Matrix): Matrix {
    const { rows: scores, cols: d } = this.weights;
    const layer = features.rows * d * scores >= KERNEL_MULTIPLY_ADDS ? this.asLayer() : undefined;
    if (layer) {
      checkInputShape(this.kind, this.inputSize, features);
      return forward([layer], features, 1, (input) => checkInputValues(this.kind, input, { schema: this.schema }));
    }
    checkInput(this.kind, this.inputSize, features, { schema: this.schema });
    const out = createMatrix(features.rows, scores);
    const nonZero = new Uint32Array(d);
    const weights = this.weights.data;
    const biases = this.biases;
    const x = features.data;
    for (let i = 0; i < features.rows; i++) {
      const row = i * d;
      let count = 0;
      for (let j = 0; j < d; j++) if (x[row + j] !== 0) nonZero[count++] = j;
      for (let c = 0; c < scores; c++) {
        let z = biases[c];
        const w = c * d;
        if (count < d / 2) {
          for (let k = 0; k < count; k++) z += weights[w + nonZero[k]] * x[row + nonZero[k]];
        } else {
          for (let j = 0; j < d; j++) z += weights[w + j] * x[row + j];
        }
        out.data[i * scores + c] = z;
      }
    }
    return out;
  }

  /**
   * The scores as a dense layer, or undefined. The loop above adds a zero input's product where
   * a row is at least half non-zero, the layer leaves it out: the same sum (x + ±0 = x) but where
   * the sum so far is −0, which only a bias of −0 starts, or the product is not a zero (a weight
   * of ±Infinity): such a model keeps the loop.
   */
  private asLayer(): DenseLayer | undefined {
    if (this.scoresLayer === undefined) {
      const exact = this.biases.every((bias) => !Object.is(bias, -0)) && this.weights.data.every(Number.isFinite);
      this.scoresLayer = exact ? { inputs: this.weights.cols, outputs: this.weights.rows, weights: transpose(this.weights).data, biases: this.biases, activation: 'linear' } : null;
    }
    return this.scoresLayer ?? undefined;
  }

  predictProba(features: Matrix): Matrix {
    const scores = this.decisionFunction(features);
    return linkProbabilities(this.kind, scores, this.classes.length);
  }

  predict(features: Matrix): Int32Array {
    return argmaxRows(this.predictProba(features));
  }

  toJSON(): LinearClassifierJson {
    const weights: number[][] = [];
    for (let c = 0; c < this.weights.rows; c++) weights.push(plainArray(this.weights.data.subarray(c * this.weights.cols, (c + 1) * this.weights.cols)));
    return {
      kind: this.kind,
      format: 1,
      classes: [...this.classes],
      schema: this.schema,
      weights,
      biases: Array.from(this.biases),
      params: this.params,
    };
  }
}

/** Probabilities from scores under a link. */
export function linkProbabilities(link: LinearLink, scores: Matrix, classes: number): Matrix {
  const out = createMatrix(scores.rows, classes);
  for (let i = 0; i < scores.rows; i++) {
    const z = scores.data.subarray(i * scores.cols, (i + 1) * scores.cols);
    const p = out.data.subarray(i * classes, (i + 1) * classes);
    switch (link) {
      case 'logistic': {
        // σ(−z) rather than 1 − σ(z): a tiny probability keeps its relative precision.
        p[0] = sigmoid(-z[0]);
        p[1] = sigmoid(z[0]);
        break;
      }
      case 'softmax': {
        let max = -Infinity;
        for (let c = 0; c < classes; c++) max = Math.max(max, z[c]);
        let total = 0;
        for (let c = 0; c < classes; c++) {
          p[c] = Math.exp(z[c] - max);
          total += p[c];
        }
        for (let c = 0; c < classes; c++) p[c] /= total;
        break;
      }
      case 'ovr': {
        let total = 0;
        for (let c = 0; c < classes; c++) {
          p[c] = sigmoid(z[c]);
          total += p[c];
        }
        for (let c = 0; c < classes; c++) p[c] /= total;
        break;
      }
    }
  }
  return out;
}

/** The logistic function, stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
