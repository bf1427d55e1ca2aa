/**
 * `threatlab predict`: labels and probabilities (or values) of a saved model — a threatlab model
 * file or a tfjs LayersModel model.json — for the rows of a CSV.
 */

import { encodeTableWithSchema } from '../../data/encoders/schema-encoder.ts';
import { loadCsv } from '../../data/loaders/csv.ts';
import { loadUserModel } from '../../models/load-model.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab predict`. */
export interface PredictOptions extends CommonOptions {
  model: string;
  input: string;
  /** The model description of a tfjs or ONNX file. */
  schema?: string;
}

/** One answered row. */
export interface PredictedRow {
  label?: string;
  probabilities?: Record<string, number>;
  value?: number;
}

/** Runs the command. */
export async function runPredict(io: CliIo, options: PredictOptions): Promise<PredictedRow[]> {
  const { model } = await loadUserModel(options.model, options.schema ? readModelDescription(options.schema) : undefined);
  const table = loadCsv(options.input, { missing: [''] });
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
  printResult(io, options, { model: options.model, kind: model.kind, rows }, () => {
    if (model.task === 'regression') return textTable(['row', model.targetName], rows.map((row, i) => [i + 1, row.value!.toPrecision(6)]));
    const shown = model.classes.length <= 6 ? [...model.classes] : undefined;
    const header = shown ? ['row', 'label', ...shown.map((c) => `p(${c})`)] : ['row', 'label', 'p(label)', 'next best'];
    const body = rows.map((row, i) => {
      const probabilities = row.probabilities!;
      if (shown) return [i + 1, row.label!, ...shown.map((c) => probabilities[c].toFixed(4))];
      const ranked = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
      return [i + 1, row.label!, ranked[0][1].toFixed(4), `${ranked[1][0]} ${ranked[1][1].toFixed(4)}`];
    });
    return textTable(header, body);
  });
  return rows;
}
