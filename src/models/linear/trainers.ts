/**
 * Trainers of the logistic family: binary logistic regression, multinomial (softmax) logistic
 * regression and one-vs-rest logistic regression — the models Amazon and BigML trained for
 * Tramèr et al. (2016) — L2-penalised and fitted exactly in float64 by L-BFGS.
 */

import type { ClassificationDataset, Dataset } from '../../data/dataset.ts';
import { ValidationError } from '../../errors.ts';
import type { Rng } from '../../random.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { resolveParams } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingData, checkTrainingFeatures, checkTrainingShape, requireClassification } from '../validate.ts';
import { fitLinearScores, LINEAR_PARAMS, type LinearParams } from './fit-linear.ts';
import { LinearClassifier, type LinearLink } from './linear-classifier.ts';
import { fitLinearPrivately } from './private-linear.ts';
import { objectivePerturbationFit } from '../../defenses/objective-perturbation.ts';
import { createMatrix } from '../../math/matrix.ts';
import { dpSgdSettingsOf } from '../../defenses/dp-sgd/params.ts';
import type { DpSgdSettings } from '../../defenses/dp-sgd/private-training.ts';

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
    if (this.params.dpEpsilon > 0 || this.params.dpNoise > 0) {
      throw new ValidationError(`cannot train "${this.kind}" synchronously`, [{ path: 'dpEpsilon', message: 'DP-SGD trains asynchronously; call fit() (the CLI and the server do)' }]);
    }
    // The values are checked where the fit reads them (fit-linear.ts).
    checkTrainingShape(this.kind, classification);
    if (this.kind === 'logistic' && classification.classes.length !== 2) {
      throw new ValidationError('cannot train "logistic"', [
        { path: 'classes', message: `${classification.classes.length} classes; binary logistic regression needs exactly 2 — use "softmax" or "ovr"` },
      ]);
    }
    // One L-BFGS run (softmax, logistic) or one per class (one-vs-rest); most stop before their cap.
    const runs = this.kind === 'ovr' ? classification.classes.length : 1;
    this.progress.start(`fitting ${this.kind} (solver iterations, at most)`, runs * this.params.maxIterations);
    const fit = fitLinearScores(this.kind, classification.features, classification.labels, classification.classes.length, this.params, (x) => checkTrainingFeatures(this.kind, x, { schema: classification.schema }), () => this.progress.tick());
    this.progress.done();
    return new LinearClassifier({
      kind: this.kind,
      classes: classification.classes,
      schema: classification.schema,
      weights: fit.weights,
      biases: fit.biases,
      params: { ...this.params, standardize: fit.standardized },
    });
  }

  async fit(data: Dataset, rng: Rng): Promise<LinearClassifier> {
    const classification = requireClassification(this.kind, data);
    const privacy = dpSgdSettingsOf(this.kind, this.params, classification.features.rows);
    return privacy ? this.fitPrivately(classification, privacy, rng) : this.fitSync(data);
  }

  /** Objective perturbation (src/defenses/objective-perturbation.ts): binary logistic regression, ε-DP. */
  private fitByObjectivePerturbation(data: ClassificationDataset, refuse: (path: string, message: string) => ValidationError, rng: Rng): LinearClassifier {
    const p = this.params;
    if (this.kind !== 'logistic') throw refuse('dpMethod', `objective perturbation (Chaudhuri et al. 2011) is for binary logistic regression; train "${this.kind}" with dpMethod=dp-sgd`);
    if (p.dpNoise > 0) throw refuse('dpNoise', 'objective perturbation takes a target ε (dpEpsilon), not a noise multiplier');
    const n = data.features.rows;
    const fit = objectivePerturbationFit(data.features, data.labels, data.schema, p.dpEpsilon, p.l2 / n, rng.fork());
    const weights = createMatrix(1, data.features.cols, fit.weights);
    const privacy = { mechanism: 'objective-perturbation', epsilon: p.dpEpsilon, delta: 0, extraRidge: fit.extraRidge };
    return new LinearClassifier({ kind: this.kind, classes: data.classes, schema: data.schema, weights, biases: Float64Array.of(fit.bias), params: { ...this.params, privacy } });
  }

  /** DP-SGD instead of the exact solve (private-linear.ts). */
  private async fitPrivately(data: ClassificationDataset, privacy: DpSgdSettings, rng: Rng): Promise<LinearClassifier> {
    checkTrainingData(this.kind, data);
    const p = this.params;
    const refuse = (path: string, message: string) => new ValidationError(`cannot train "${this.kind}" with DP-SGD`, [{ path, message }]);
    if (this.kind === 'ovr') throw refuse('model', 'one-vs-rest trains one model per class, each spending the budget; train "softmax" with DP-SGD instead');
    if (this.kind === 'logistic' && data.classes.length !== 2) throw refuse('classes', `${data.classes.length} classes; binary logistic regression needs exactly 2 — use "softmax"`);
    if (p.dpMethod === 'objective-perturbation') return this.fitByObjectivePerturbation(data, refuse, rng);
    if (p.standardize) throw refuse('standardize', "standardize=true scales by the training rows' means and spreads, which DP-SGD does not protect; give standardize=false (features on a fixed scale)");
    const fit = await fitLinearPrivately(this.kind === 'logistic', data, { ...privacy, batchSizeParam: 'dpBatchSize' }, { epochs: p.dpEpochs, batchSize: p.dpBatchSize, learningRate: p.dpLearningRate, l2: p.l2 / data.features.rows, progress: this.progress }, rng.fork());
    return new LinearClassifier({ kind: this.kind, classes: data.classes, schema: data.schema, weights: fit.weights, biases: fit.biases, params: { ...this.params, privacy: fit.privacy } });
  }
}
