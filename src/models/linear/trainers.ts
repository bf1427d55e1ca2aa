/**
 * Trainers of the logistic family: binary logistic regression, multinomial (softmax) logistic
 * regression and one-vs-rest logistic regression — the models Amazon and BigML trained for
 * Tramèr et al. (2016) — L2-penalised and fitted exactly in float64 by L-BFGS.
 */

import type { Dataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Rng } from '../../random.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { resolveParams } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingData, requireClassification } from '../validate.ts';
import { fitLinearScores, LINEAR_PARAMS, type LinearParams } from './fit-linear.ts';
import { LinearClassifier, type LinearLink } from './linear-classifier.ts';

/** Trains a linear classifier with the given link. */
export class LinearClassifierTrainer implements Trainer<LinearClassifier> {
  readonly task = 'classification' as const;
  readonly kind: LinearLink;
  readonly params: LinearParams;
  private readonly progress: Progress;

  constructor(kind: LinearLink, params: Record<string, unknown> = {}, progress: Progress = silentProgress) {
    this.kind = kind;
    this.params = resolveParams(kind, LINEAR_PARAMS, params);
    this.progress = progress;
  }

  /** Fits synchronously (the exact linear models need no async work). */
  fitSync(data: Dataset): LinearClassifier {
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification);
    if (this.kind === 'logistic' && classification.classes.length !== 2) {
      throw new ValidationError('cannot train "logistic"', [
        { path: 'classes', message: `${classification.classes.length} classes; binary logistic regression needs exactly 2 — use "softmax" or "ovr"` },
      ]);
    }
    // One L-BFGS run (softmax, logistic) or one per class (one-vs-rest); most stop before their cap.
    const runs = this.kind === 'ovr' ? classification.classes.length : 1;
    this.progress.start(`fitting ${this.kind} (solver iterations, at most)`, runs * this.params.maxIterations);
    const fit = fitLinearScores(this.kind, classification.features, classification.labels, classification.classes.length, this.params, () => this.progress.tick());
    this.progress.done();
    return new LinearClassifier({
      kind: this.kind,
      classes: classification.classes,
      schema: classification.schema,
      weights: fit.weights,
      biases: fit.biases,
      params: { ...this.params },
    });
  }

  async fit(data: Dataset, _rng: Rng): Promise<LinearClassifier> {
    return this.fitSync(data);
  }
}
