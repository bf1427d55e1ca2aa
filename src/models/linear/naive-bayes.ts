/**
 * Multinomial naive Bayes, the spam filter of Graham-Cumming (2004) and of Lowd & Meek's good-word
 * attacks (CEAS 2005): P(c | x) ∝ π_c · Π_j θ_cj^{x_j} over word counts x, with Laplace-smoothed
 * θ_cj = (n_cj + α) / (n_c + α·d). Its log-posterior is linear in x — log π_c + Σ_j x_j log θ_cj —
 * so the fitted filter is a softmax linear classifier with weights log θ and biases log π, exact
 * (the same answers, to rounding), and every attack on linear models applies to it. The file
 * records `fittedBy: naive-bayes`, so shadow models copy the right trainer.
 */

import type { Dataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingData, requireClassification } from '../validate.ts';
import { LinearClassifier } from './linear-classifier.ts';

/** Naive Bayes parameters (scikit-learn's MultinomialNB defaults). */
export const NAIVE_BAYES_PARAMS = {
  alpha: { type: 'number', default: 1, above: 0, doc: 'Laplace / Lidstone smoothing α added to every word count' },
} satisfies ParamSpecs;

export type NaiveBayesParams = ParamValues<typeof NAIVE_BAYES_PARAMS>;

/** Trains multinomial naive Bayes on non-negative counts. */
export class NaiveBayesTrainer implements Trainer<LinearClassifier> {
  readonly kind = 'naive-bayes' as const;
  readonly task = 'classification' as const;
  readonly params: NaiveBayesParams;

  constructor(params: Record<string, unknown> = {}) {
    this.params = resolveParams('naive-bayes', NAIVE_BAYES_PARAMS, params);
  }

  fitSync(data: Dataset): LinearClassifier {
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification);
    const { rows, cols, data: x } = classification.features;
    for (let k = 0; k < x.length; k++) {
      if (!(x[k] >= 0)) throw new ValidationError('cannot train "naive-bayes"', [{ path: 'features', message: `column ${k % cols} of row ${Math.floor(k / cols)} is ${x[k]}; multinomial naive Bayes needs non-negative counts (a bag of words)` }]);
    }
    const classes = classification.classes.length;
    const counts = new Float64Array(classes * cols);
    const rowsPerClass = new Float64Array(classes);
    for (let i = 0; i < rows; i++) {
      const c = classification.labels[i];
      rowsPerClass[c]++;
      for (let j = 0; j < cols; j++) counts[c * cols + j] += x[i * cols + j];
    }
    const weights = createMatrix(classes, cols);
    const biases = new Float64Array(classes);
    const { alpha } = this.params;
    for (let c = 0; c < classes; c++) {
      let total = 0;
      for (let j = 0; j < cols; j++) total += counts[c * cols + j];
      for (let j = 0; j < cols; j++) weights.data[c * cols + j] = Math.log((counts[c * cols + j] + alpha) / (total + alpha * cols));
      biases[c] = Math.log(Math.max(rowsPerClass[c], 1e-300) / rows);
    }
    return new LinearClassifier({ kind: 'softmax', classes: classification.classes, schema: classification.schema, weights, biases, params: { fittedBy: 'naive-bayes', alpha } });
  }

  async fit(data: Dataset, _rng?: Rng): Promise<LinearClassifier> {
    return this.fitSync(data);
  }
}
