/**
 * `threatlab predict`: labels and probabilities (or values) of a saved model — a threatlab model
 * file or a tfjs LayersModel model.json — for the rows of a CSV.
 */

import { encodeTableWithSchema } from '../../data/encoders/schema-encoder.ts';
import { loadUserRows } from '../../data/model-rows.ts';
import { columnIndex, dropColumns } from '../../data/table.ts';
import { ThreatlabError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import { loadUserModel } from '../../models/load-model.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab predict`. */
export interface PredictOptions extends CommonOptions {
  model: string;
  input: string;
  /** The model description of a tfjs or ONNX file. */
  schema?: string;
  /** The label column of the input, when it has one (accuracy is reported). */
  target?: string;
}

/** One answered row. */
export interface PredictedRow {
  label?: string;
  probabilities?: Record<string, number>;
  value?: number;
}

/** Runs the command. */
export async function runPredict(io: CliIo, options: PredictOptions, progress?: Progress): Promise<PredictedRow[]> {
  const { model } = await loadUserModel(options.model, options.schema ? readModelDescription(options.schema) : undefined);
  const raw = loadUserRows(options.input, progress);
  // A CSV that still has its label column (named by --target, or the one column that is not a
  // feature) is predicted without it, and the labels give the accuracy.
  const featureNames = new Set(model.schema.features.map((feature) => feature.name));
  const extra = raw.columns.filter((name) => !featureNames.has(name));
  const classes = new Set(model.task === 'classification' ? model.classes : []);
  const looksLikeLabels = (name: string) => raw.rows.every((row) => row[raw.columns.indexOf(name)] === undefined || classes.has(row[raw.columns.indexOf(name)]!));
  const label = options.target ?? (extra.length === 1 && looksLikeLabels(extra[0]) ? extra[0] : undefined);
  const truth = label ? raw.rows.map((row) => row[columnIndex(raw, label)]) : undefined;
  const table = label ? dropColumns(raw, [label]) : raw;
  const features = encodeTableWithSchema(model.schema, table, { allowMissing: model.kind === 'tree' });
  let rows: PredictedRow[];
  if (model.task === 'classification') {
    const proba = model.predictProba(features);
    const labels = model.predict(features);
    rows = Array.from(labels, (label, i) => ({
      label: model.classes[label],
      probabilities: Object.fromEntries(model.classes.map((name, c) => [name, proba.data[i * proba.cols + c]])),
    }));
  } else {
    rows = Array.from(model.predictValues(features), (value) => ({ value }));
  }
  let accuracy: { label: string; rows: number; accuracy: number } | undefined;
  if (truth && label && model.task === 'classification') {
    truth.forEach((value, i) => {
      if (value !== undefined && !model.classes.includes(value)) throw new ThreatlabError('unknown-category', `${options.input}:${raw.lines[i]}: "${label}" is "${value}", not a class of the model (${model.classes.join(', ')}); name the label column with --target or drop it`);
    });
    const known = rows.map((row, i) => [row.label, truth[i]] as const).filter(([, t]) => t !== undefined);
    accuracy = { label, rows: known.length, accuracy: known.filter(([p, t]) => p === t).length / Math.max(1, known.length) };
  }
  printResult(io, options, { model: options.model, kind: model.kind, rows, accuracy: accuracy ?? null }, () => {
    if (model.task === 'regression') return textTable(['row', model.targetName], rows.map((row, i) => [i + 1, row.value!.toPrecision(6)]));
    const footer = accuracy ? `\naccuracy against "${accuracy.label}": ${(100 * accuracy.accuracy).toFixed(2)}% of ${accuracy.rows} labelled rows` : '';
    const shown = model.classes.length <= 6 ? [...model.classes] : undefined;
    const header = shown ? ['row', 'label', ...shown.map((c) => `p(${c})`)] : ['row', 'label', 'p(label)', 'next best'];
    const body = rows.map((row, i) => {
      const probabilities = row.probabilities!;
      if (shown) return [i + 1, row.label!, ...shown.map((c) => probabilities[c].toFixed(4))];
      const ranked = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
      return [i + 1, row.label!, ranked[0][1].toFixed(4), `${ranked[1][0]} ${ranked[1][1].toFixed(4)}`];
    });
    return textTable(header, body) + footer;
  });
  return rows;
}
