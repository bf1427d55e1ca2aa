/**
 * An audit as a server job, run on a compute worker: the owner's own model (white-box, answering
 * fully, other policies derived from its answers), and — for a model the server trained from an
 * uploaded CSV — the exact training split rebuilt from the job that trained it (the same seed,
 * test fraction and encoder), so membership and inversion are judged on the true members.
 * Returns the report's records and its HTML.
 */

import { judgedFromSplit } from '../attacks/membership/membership-split.ts';
import type { MembershipProblem } from '../attacks/membership/types.ts';
import { runAudit, type AuditInput } from '../audit/run-audit.ts';
import type { Threat } from '../audit/verdicts.ts';
import { initBackend } from '../backend/setup.ts';
import { concatRows, subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { ThreatlabError } from '../errors.ts';
import { uniformRows } from '../metrics/sampling.ts';
import { modelFromJson, trainerKindOf, trainerParamsOf } from '../models/registry.ts';
import type { Model } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { parsePolicy } from '../oracle/policy.ts';
import { Rng } from '../random.ts';
import { auditHtml } from '../report/html.ts';
import type { AuditTask, AuditTaskResult } from './messages.ts';
import { splitServerDataset } from './server-split.ts';

/** The training split of a server-trained model, rebuilt as its training job made it. */
function trainingSplit(task: AuditTask, model: Model): { train: ClassificationDataset; test: ClassificationDataset } | undefined {
  const training = task.training;
  if (!training) return undefined;
  const { train, test } = splitServerDataset(training.csv, training.datasetName, training.spec, model.task, new Rng(training.spec.seed));
  if (train.task !== 'classification' || test.task !== 'classification') return undefined;
  const width = new LocalOracle(model, { kind: 'full' }).info.inputSize;
  if (train.features.cols !== width) throw new ThreatlabError('internal', `the rebuilt training rows have ${train.features.cols} columns, the model takes ${width}`);
  return { train, test };
}

/** Members, non-members and the attacker's population from a rebuilt split: equal numbers judged, the rest of the held-out rows the attacker's. */
function membershipFrom(split: { train: ClassificationDataset; test: ClassificationDataset }, model: Model, seed: number): AuditInput['membership'] {
  // One data set of the training rows then the held-out rows, judged as everywhere a split is known.
  const trainRows = split.train.features.rows;
  const data = concatRows(split.train, split.test);
  const { order, count, population } = judgedFromSplit(Array.from({ length: trainRows }, (_, i) => i), Array.from({ length: split.test.features.rows }, (_, i) => trainRows + i), seed);
  if (count < 2) return undefined;
  const problem: MembershipProblem = {
    candidates: subsetRows(data, order),
    population: subsetRows(data, population),
    trainer: { kind: trainerKindOf(model), params: trainerParamsOf(model) },
    trainSize: trainRows,
  };
  return {
    problem,
    members: order.map((_, i) => i < count),
    sources: order.map((i) => (i < trainRows ? `training row ${i}` : `held-out row ${i - trainRows}`)),
    assumption: `members: ${count} of the ${trainRows} rows the server trained this model on (the training job's split, rebuilt); non-members: ${count} held-out rows; shadow data: the other ${population.length} held-out rows`,
  };
}

const UPLOADED = 'this model was uploaded, so the server does not know its training rows: audit it with threatlab audit --members FILE --non-members FILE --population FILE, or train it here on an uploaded data set';

/** Runs an audit task. */
export async function runAuditTask(task: AuditTask, onFraction: (fraction: number) => void): Promise<AuditTaskResult> {
  const model = modelFromJson(JSON.parse(task.json), `model ${task.modelId}`);
  if (model.kind === 'mlp' || model.kind === 'cnn') await initBackend();
  const split = trainingSplit(task, model);
  const membership = split ? membershipFrom(split, model, task.seed) : undefined;
  const judge = split
    ? { rows: split.test.features, name: `the ${split.test.features.rows} held-out rows of its training data` }
    : { rows: uniformRows(model.schema, 2000, new Rng(task.seed + 1)), name: '2000 uniform random inputs' };
  const result = await runAudit({
    target: new LocalOracle(model, { kind: 'full' }),
    model,
    policies: task.policies.map((text) => parsePolicy(text)),
    price: task.price,
    threats: task.threats as Threat[],
    quick: task.quick,
    seed: task.seed,
    judge,
    membership,
    people: split && membership ? { data: subsetRows(membership.problem.candidates, Int32Array.from(membership.members.flatMap((m, i) => (m ? [i] : [])))), name: 'the judged members (training rows)' } : undefined,
    sensitive: task.sensitive,
    // The job already runs on a worker within the server's limits: shadow models train in it.
    trainingThreads: 0,
    onStage: (done, total) => onFraction(done / total),
  });
  if (!split) {
    for (const skip of result.skipped) {
      if (skip.threat === 'membership' || (skip.threat === 'inversion' && /no labelled people/.test(skip.reason))) skip.reason = UPLOADED;
    }
  }
  const html = await auditHtml(result, { target: task.modelName, created: new Date().toISOString() });
  return { json: JSON.stringify(result), html };
}
