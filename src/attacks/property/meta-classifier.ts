/**
 * Property inference by shadow models (Ateniese et al. 2015): train shadow models on the
 * attacker's own rows drawn with each candidate share of the property, read each one (its
 * parameters, its answers on fixed probe rows, or its loss on rows drawn with each share), and
 * learn to tell the shares apart from those readings; then read the target the same way.
 * - `parameters`: white-box, a logistic-regression meta-classifier on the parameters
 *   (permutation-invariant for MLPs; representations.ts).
 * - `outputs`: black-box, the same on the target's answers to the probe rows (queries billed).
 * - `loss-test`: black-box, Suri & Evans (2022)'s threshold test: the target's mean loss (or
 *   error, label-only) on probe rows drawn with share 0 minus on rows drawn with share 1, the
 *   threshold set on the shadow models.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { fitStandardScaler } from '../../data/encoders/scaling.ts';
import { classificationDataset } from '../../data/dataset.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { CapabilityError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import type { Classifier, Model } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import type { Answer, Oracle, OutputPolicy } from '../../oracle/types.ts';
import type { TrainerSpec, TrainingService } from '../../parallel/training-service.ts';
import { rowSelection } from '../../parallel/training-set.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { propertyMask, propertyPartition, sampleRowsWithShare, sampleWithShare, type PropertySpec } from './property.ts';
import { outputRepresentation, parameterRepresentation, stackVectors } from './representations.ts';

/** The three attacks. */
export const PROPERTY_ATTACKS = ['parameters', 'outputs', 'loss-test'] as const;
export type PropertyAttackName = (typeof PROPERTY_ATTACKS)[number];

/** What the attacker has. */
export interface PropertyProblem {
  spec: PropertySpec;
  /** The attacker's own rows (never the target's training rows). */
  pool: ClassificationDataset;
  /** The target's trainer, which shadows copy. */
  trainer: TrainerSpec;
  /** Rows each shadow trains on (the target's training-set size, if known). */
  trainSize: number;
}

/** Settings of a fit. */
export interface PropertyFitOptions {
  /** Probe rows (outputs) or rows per share (loss test). */
  probes: number;
  seed: number;
  /** The target's output policy: shadows answer under it too. */
  policy: OutputPolicy;
}

/** A shadow model and the share its training set had. */
export interface Shadow {
  model: Classifier;
  share: 0 | 1;
}

/** A fitted attack: read a target, guess its share. */
export interface FittedPropertyAttack {
  attack: PropertyAttackName;
  shadows: number;
  /** Reads one target (queries go to its oracle) and guesses: the index of the share, and the meta-classifier's probability of share 1. */
  guess(target: { oracle: Oracle; model?: Model }): Promise<{ share: 0 | 1; probability: number }>;
}

function loss(answers: Answer[], labels: Int32Array): number {
  let total = 0;
  answers.forEach((answer, i) => {
    if (answer.kind === 'scores' || answer.kind === 'leaf') total -= Math.log(Math.max(1e-12, answer.probabilities[labels[i]]));
    else if (answer.kind === 'label' || answer.kind === 'top-k') total += answer.label === labels[i] ? 0 : 1;
  });
  return total / answers.length;
}

/** Trains `count` shadow models per candidate share on the attacker's rows (on the pool's worker threads), in pairs. */
export async function trainShadows(problem: PropertyProblem, count: number, seed: number, pool: TrainingService, progress: Progress = silentProgress): Promise<Shadow[]> {
  const rng = new Rng(seed);
  const partition = propertyPartition(propertyMask(problem.pool, problem.spec));
  progress.start('shadow models', 2 * count);
  const jobs: Promise<Shadow>[] = [];
  for (let k = 0; k < count; k++) {
    for (const share of [0, 1] as const) {
      // Named by rows: the pool gathers the set into its worker's buffer when the worker takes it.
      const data = rowSelection({ from: problem.pool, rows: sampleRowsWithShare(partition, problem.spec.shares[share], problem.trainSize, rng.fork()) });
      jobs.push(
        pool.train(problem.trainer, data, rng.nextUint32()).then((model) => {
          progress.tick();
          return { model, share };
        }),
      );
    }
  }
  const shadows = await Promise.all(jobs);
  progress.done();
  return shadows;
}

/** Reads the shadows with `attack` and fits the meta-classifier (or the loss test's threshold). */
export async function fitPropertyAttack(attack: PropertyAttackName, problem: PropertyProblem, shadows: Shadow[], options: PropertyFitOptions): Promise<FittedPropertyAttack> {
  const rng = new Rng(options.seed);
  const mask = propertyMask(problem.pool, problem.spec);
  // Outputs: probes drawn with the pool's own share; loss test: one probe set per candidate share.
  const natural = mask.reduce((sum, flag) => sum + flag, 0) / mask.length;
  const probes = attack === 'loss-test' ? problem.spec.shares.map((share) => sampleWithShare(problem.pool, mask, share, options.probes, rng.fork())) : [sampleWithShare(problem.pool, mask, natural, options.probes, rng.fork())];
  const read = async (oracle: Oracle, model: Model | undefined): Promise<number[]> => {
    switch (attack) {
      case 'parameters':
        if (!model) throw new CapabilityError('the parameters attack reads the model file; a served model is read by "outputs" or "loss-test"');
        return parameterRepresentation(model);
      case 'outputs':
        return outputRepresentation(await oracle.query(probes[0].features), oracle.info.classes.length);
      case 'loss-test': {
        const [first, second] = [await oracle.query(probes[0].features), await oracle.query(probes[1].features)];
        return [loss(first, probes[0].labels) - loss(second, probes[1].labels)];
      }
    }
  };
  const readings = await Promise.all(shadows.map(async (shadow) => ({ vector: await read(new LocalOracle(shadow.model, options.policy), shadow.model), share: shadow.share })));
  if (attack === 'loss-test') return lossTest(readings, read);
  return metaClassifier(attack, readings, read);
}

/** The threshold on the loss difference that best separates the shadows (training on share 1 lowers the loss on share-1 rows: a larger difference). */
function lossTest(readings: { vector: number[]; share: 0 | 1 }[], read: (oracle: Oracle, model?: Model) => Promise<number[]>): FittedPropertyAttack {
  const sorted = [...readings].sort((a, b) => a.vector[0] - b.vector[0]);
  let best = { threshold: 0, correct: -1 };
  for (let k = 0; k <= sorted.length; k++) {
    const threshold = k === 0 ? -Infinity : k === sorted.length ? Infinity : (sorted[k - 1].vector[0] + sorted[k].vector[0]) / 2;
    const correct = readings.filter((r) => (r.vector[0] > threshold ? 1 : 0) === r.share).length;
    if (correct > best.correct) best = { threshold, correct };
  }
  return {
    attack: 'loss-test',
    shadows: readings.length / 2,
    async guess(target) {
      const [difference] = await read(target.oracle, target.model);
      return { share: difference > best.threshold ? 1 : 0, probability: difference > best.threshold ? 1 : 0 };
    },
  };
}

function metaClassifier(attack: PropertyAttackName, readings: { vector: number[]; share: 0 | 1 }[], read: (oracle: Oracle, model?: Model) => Promise<number[]>): FittedPropertyAttack {
  const features = stackVectors(readings.map((r) => r.vector));
  const scaler = fitStandardScaler(features);
  const scaled = scaler.transform(features);
  const data = classificationDataset({ name: 'shadow readings', features: scaled, schema: uniformNumericSchema(scaled.cols, 'r', -1e9, 1e9), labels: Int32Array.from(readings.map((r) => r.share)), classes: ['share 0', 'share 1'], targetName: 'share' });
  const meta = new LinearClassifierTrainer('logistic', { l2: 1, standardize: false }).fitSync(data);
  return {
    attack,
    shadows: readings.length / 2,
    async guess(target) {
      const vector: Matrix = scaler.transform(stackVectors([await read(target.oracle, target.model)]));
      const probability = meta.predictProba(vector).data[1];
      return { share: probability >= 0.5 ? 1 : 0, probability };
    },
  };
}
