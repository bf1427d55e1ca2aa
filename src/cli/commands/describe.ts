/**
 * `threatlab describe`: what a data set or a model looks like before it is attacked — the
 * features (names, kinds, ranges or levels), the classes, and for a model its kind, size,
 * provenance and what its prediction API would reveal under each output policy. A user reads
 * the sensitive feature's name here instead of in the model's JSON.
 */

import type { Dataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { fitTableEncoder } from '../../data/encoders/table-encoder.ts';
import { loadCsv } from '../../data/loaders/csv.ts';
import type { Feature, FeatureSchema } from '../../data/schema.ts';
import { ThreatlabError } from '../../errors.ts';
import { loadUserModel } from '../../models/load-model.ts';
import { summarizeModel } from '../../models/summary.ts';
import { revealsOf } from '../../oracle/policy.ts';
import type { OutputPolicy } from '../../oracle/types.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';
import { isUserCsv } from './train.ts';
import { privacyLine, privacyOf } from '../../defenses/dp-sgd/params.ts';
import { withArticle } from '../../models/kind-article.ts';

/** Options of `threatlab describe`. */
export interface DescribeOptions extends CommonOptions {
  dataset?: string;
  target?: string;
  model?: string;
  schema?: string;
}

function featureRow(feature: Feature): { name: string; kind: string; values: string } {
  if (feature.kind === 'numeric') return { name: feature.name, kind: 'numeric', values: `${feature.min} … ${feature.max}` };
  const shown = feature.levels.slice(0, 8).join(', ') + (feature.levels.length > 8 ? `, … (${feature.levels.length} levels)` : '');
  return { name: feature.name, kind: `categorical (${feature.encoding})`, values: shown };
}

function featuresText(schema: FeatureSchema): string {
  return textTable(['feature', 'kind', 'range or levels'], schema.features.map((feature) => Object.values(featureRow(feature))));
}

function describeDataset(name: string, target: string | undefined): { data: Dataset; source: string } {
  if (!isUserCsv(name)) return { data: loadDataset(name), source: 'registry' };
  const table = loadCsv(name);
  if (!target) throw new ThreatlabError('usage', `describing ${name} needs --target COLUMN (its columns: ${table.columns.join(', ')})`);
  return { data: fitTableEncoder(table, { target, task: 'classification', categorical: 'one-hot', unknown: 'error' }).transform(table, name), source: 'csv' };
}

const POLICIES: OutputPolicy[] = [{ kind: 'full' }, { kind: 'rounded', decimals: 3 }, { kind: 'label-only' }, { kind: 'top-k', k: 1 }];

/** Runs the command. */
export async function runDescribe(io: CliIo, options: DescribeOptions): Promise<void> {
  if (Boolean(options.dataset) === Boolean(options.model)) throw new ThreatlabError('usage', 'describe one thing: --dataset NAME|FILE.csv, or --model FILE');
  if (options.dataset) {
    const { data, source } = describeDataset(options.dataset, options.target);
    const classes = data.task === 'classification' ? data.classes.map((name, c) => ({ name, rows: data.labels.filter((label) => label === c).length })) : [];
    const result = { dataset: options.dataset, source, rows: data.features.rows, encodedColumns: data.features.cols, target: data.targetName, task: data.task, features: data.schema.features.map(featureRow), classes };
    printResult(io, options, result, () =>
      [
        `${options.dataset}: ${data.features.rows} rows, ${data.schema.features.length} features (${data.features.cols} encoded columns), target "${data.targetName}" (${data.task})`,
        featuresText(data.schema),
        classes.length > 0 ? `classes: ${classes.map((c) => `${c.name} (${c.rows})`).join(', ')}` : '',
      ].filter(Boolean).join('\n'),
    );
    return;
  }
  const { model, training } = await loadUserModel(options.model!, options.schema ? readModelDescription(options.schema) : undefined);
  const summary = summarizeModel(model);
  const reveals = POLICIES.map((policy) => {
    try {
      return { policy: policy.kind === 'rounded' ? 'rounded:K' : policy.kind === 'top-k' ? 'top-k:K' : policy.kind, reveals: revealsOf(model, policy) };
    } catch {
      return { policy: policy.kind, reveals: 'refused' };
    }
  });
  const meaning: Record<string, string> = {
    scores: 'every class probability — enough to solve for a logistic model exactly and to run every membership attack',
    leaf: "the tree's node answer: prediction, class distribution, confidence and training count — enough for path-finding extraction",
    label: 'only the predicted class — extraction and membership need many more queries (retraining, Lowd–Meek, label-only)',
    'top-k': 'the k most probable classes with their probabilities',
    value: 'the predicted value',
    refused: 'not available for this model',
  };
  const privacy = privacyOf(model as { params?: Record<string, unknown> });
  const result = { model: options.model, privacy: privacy ?? null, kind: model.kind, task: model.task, inputColumns: model.inputSize, multiplyAddsPerRow: summary.costPerRow, architecture: summary.architecture ?? null, classes: summary.classes, training: training ?? null, features: model.schema.features.map(featureRow), reveals };
  printResult(io, options, result, () =>
    [
      `${options.model}: ${withArticle(model.kind)} ${model.task === 'classification' ? `classifier of ${summary.classes.length} classes (${summary.classes.join(', ')})` : 'regressor'}, ${model.inputSize} input columns, ${summary.costPerRow} multiply-adds (or tree steps) per row${summary.architecture ? `, hidden layers ${summary.architecture.hidden.join('-')} ${summary.architecture.activation}` : ''}`,
      ...(privacy ? [privacyLine(privacy)] : []),
      training ? `trained by threatlab train on ${training.dataset} (target ${training.target}, seed ${training.seed}, test fraction ${training.testFraction}, ${training.rows.train} training rows): membership --dataset ${training.dataset} rebuilds its members` : 'no training provenance: membership audits need --members, --non-members and --population',
      featuresText(model.schema),
      'what its API would reveal:',
      ...reveals.map((r) => `  ${r.policy.padEnd(10)} ${r.reveals}: ${r.policy === 'rounded:K' && r.reveals === 'scores' ? 'probabilities rounded to K decimals — exact equation solving becomes loss minimisation; membership attacks still work' : meaning[r.reveals]}`),
    ].join('\n'),
  );
}
