/**
 * RBF-kernel logistic regression (multinomial): f_c(x) = Σ_i α_ci k(x_i, x) + b_c with
 * k(x, x') = exp(−γ‖x − x'‖²), penalised by (l2/2)·Σ_c α_cᵀKα_c. Fitted exactly through the
 * kernel's eigendecomposition (row-space.ts), so training is limited to 2,000 rows. Tramèr et
 * al. (2016, §4.1.3) extract kernel LR models of this form by equation solving.
 */

import type { Dataset } from '../../data/dataset.ts';
import type { FeatureSchema } from '../../data/schema.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { linkProbabilities } from '../linear/linear-classifier.ts';
import { rowSpaceOf } from '../linear/row-space.ts';
import { solveLogisticInRowSpace } from '../linear/solve-logistic.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import { argmaxRows, type Classifier, type Trainer } from '../types.ts';
import { checkInput, checkTrainingData, requireClassification } from '../validate.ts';

/** Parameters of kernel logistic regression. */
export const KERNEL_LOGISTIC_PARAMS = {
  gamma: { type: 'number', default: 0, min: 0, doc: 'RBF width γ; 0 picks 1 / (features × feature variance), as scikit-learn\'s "scale"' },
  l2: { type: 'number', default: 1, above: 0, doc: 'penalty on the function norm' },
  maxIterations: { type: 'number', default: 1000, min: 1, integer: true, doc: 'L-BFGS iterations at most' },
  tolerance: { type: 'number', default: 1e-6, above: 0, doc: 'stop when the largest entry of the gradient per training row is below this' },
} satisfies ParamSpecs;

/** Most training rows (the fit factorises an n × n kernel matrix). */
export const KERNEL_MAX_ROWS = 2000;

/** JSON form of a kernel logistic regression. */
export interface KernelLogisticJson {
  kind: 'kernel-logistic';
  format: 1;
  classes: string[];
  schema: FeatureSchema;
  gamma: number;
  /** Training rows (the kernel's centres). */
  centres: number[][];
  /** Classes × centres. */
  coefficients: number[][];
  biases: number[];
  params: Record<string, unknown>;
}

/** RBF kernel matrix between the rows of `a` and of `b`. */
export function rbfKernel(a: Matrix, b: Matrix, gamma: number): Matrix {
  const out = createMatrix(a.rows, b.rows);
  const d = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let distance = 0;
      for (let k = 0; k < d; k++) {
        const diff = a.data[i * d + k] - b.data[j * d + k];
        distance += diff * diff;
      }
      out.data[i * b.rows + j] = Math.exp(-gamma * distance);
    }
  }
  return out;
}

/** A fitted RBF-kernel logistic regression. */
export class KernelLogistic implements Classifier {
  readonly task = 'classification' as const;
  readonly kind = 'kernel-logistic' as const;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly inputSize: number;
  readonly gamma: number;
  readonly centres: Matrix;
  readonly coefficients: Matrix;
  readonly biases: Float64Array;
  readonly params: Record<string, unknown>;

  constructor(init: { classes: readonly string[]; schema: FeatureSchema; gamma: number; centres: Matrix; coefficients: Matrix; biases: Float64Array; params: Record<string, unknown> }) {
    this.classes = init.classes;
    this.schema = init.schema;
    this.gamma = init.gamma;
    this.centres = init.centres;
    this.coefficients = init.coefficients;
    this.biases = init.biases;
    this.inputSize = init.centres.cols;
    this.params = init.params;
  }

  predictProba(features: Matrix): Matrix {
    checkInput(this.kind, this.inputSize, features, { schema: this.schema });
    const kernel = rbfKernel(features, this.centres, this.gamma);
    const classes = this.coefficients.rows;
    const n = this.centres.rows;
    const scores = createMatrix(features.rows, classes);
    for (let i = 0; i < features.rows; i++) {
      for (let c = 0; c < classes; c++) {
        let z = this.biases[c];
        for (let k = 0; k < n; k++) z += this.coefficients.data[c * n + k] * kernel.data[i * n + k];
        scores.data[i * classes + c] = z;
      }
    }
    return linkProbabilities('softmax', scores, this.classes.length);
  }

  predict(features: Matrix): Int32Array {
    return argmaxRows(this.predictProba(features));
  }

  toJSON(): KernelLogisticJson {
    const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
    return {
      kind: 'kernel-logistic',
      format: 1,
      classes: [...this.classes],
      schema: this.schema,
      gamma: this.gamma,
      centres: rows(this.centres),
      coefficients: rows(this.coefficients),
      biases: Array.from(this.biases),
      params: this.params,
    };
  }
}

/** Trains an RBF-kernel logistic regression. */
export class KernelLogisticTrainer implements Trainer<KernelLogistic> {
  readonly kind = 'kernel-logistic' as const;
  readonly task = 'classification' as const;
  readonly params: ParamValues<typeof KERNEL_LOGISTIC_PARAMS>;

  private readonly progress: Progress;

  constructor(params: Record<string, unknown> = {}, progress: Progress = silentProgress) {
    this.params = resolveParams('kernel-logistic', KERNEL_LOGISTIC_PARAMS, params);
    this.progress = progress;
  }

  fitSync(data: Dataset): KernelLogistic {
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification);
    const x = classification.features;
    if (x.rows > KERNEL_MAX_ROWS) {
      throw new ValidationError('cannot train "kernel-logistic"', [
        { path: 'rows', message: `${x.rows} training rows; the exact kernel fit takes at most ${KERNEL_MAX_ROWS}: train on a sample` },
      ]);
    }
    const gamma = this.params.gamma > 0 ? this.params.gamma : scaleGamma(x);
    // The eigendecomposition of the n × n kernel is one step; then one per L-BFGS iteration.
    this.progress.start('fitting kernel-logistic (kernel factorisation, then L-BFGS iterations at most)', 1 + this.params.maxIterations);
    const space = rowSpaceOf(rbfKernel(x, x, gamma));
    this.progress.tick();
    const solution = solveLogisticInRowSpace('softmax', space, classification.labels, classification.classes.length, { ...this.params, onIteration: () => this.progress.tick() });
    this.progress.done();
    return new KernelLogistic({
      classes: classification.classes,
      schema: classification.schema,
      gamma,
      centres: x,
      coefficients: solution.coefficients,
      biases: solution.biases,
      params: { ...this.params, gamma },
    });
  }

  async fit(data: Dataset, _rng: Rng): Promise<KernelLogistic> {
    return this.fitSync(data);
  }
}

/** scikit-learn's gamma="scale": 1 / (features × variance of all feature values). */
function scaleGamma(x: Matrix): number {
  let sum = 0;
  let squares = 0;
  for (const value of x.data) {
    sum += value;
    squares += value * value;
  }
  const count = x.data.length;
  const variance = squares / count - (sum / count) ** 2;
  return 1 / (x.cols * (variance > 0 ? variance : 1));
}
