/**
 * A user's labelled rows in a model's feature space: a raw CSV (the model's feature names as
 * columns, plus the label column) encoded with the model's own schema, labels mapped to the
 * model's classes. Used wherever an attack judges or trains on the user's data (membership
 * candidates and population, inversion targets), so that a model made anywhere is audited on
 * rows encoded exactly as it was trained.
 */

import { ThreatlabError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { classificationDataset, type ClassificationDataset } from './dataset.ts';
import { encodeTableWithSchema } from './encoders/schema-encoder.ts';
import type { FeatureSchema } from './schema.ts';
import { loadCsv } from './loaders/csv.ts';
import { dropColumns, type Table } from './table.ts';

/**
 * A user's CSV of rows for a model: only an empty cell is missing — "?" or "NA" may be one of a
 * model's categories (scikit-learn keeps Adult's "?" as a level).
 */
export function loadUserRows(path: string, progress?: Progress): Table {
  return loadCsv(path, { missing: [''], progress });
}

/** What rows are encoded for. */
export interface ModelSpace {
  schema: FeatureSchema;
  classes: readonly string[];
  /** Trees answer rows with missing features. */
  allowMissing?: boolean;
}

/** The label column: `target` when given, else the one column that is not a feature (and not `ignore`d). */
export function labelColumn(table: Table, space: ModelSpace, target?: string, ignore: string[] = []): string {
  if (target) {
    if (!table.columns.includes(target)) throw new ThreatlabError('not-found', `${table.source}: no label column "${target}"; its columns are ${table.columns.map((c) => `"${c}"`).join(', ')}`);
    return target;
  }
  const features = new Set(space.schema.features.map((feature) => feature.name));
  const others = table.columns.filter((column) => !features.has(column) && !ignore.includes(column));
  if (others.length !== 1) {
    throw new ThreatlabError(
      'validation',
      `${table.source}: cannot tell the label column: ${others.length === 0 ? 'every column is a feature of the model' : `${others.map((c) => `"${c}"`).join(', ')} are not features of the model`}; name it with --target COLUMN`,
    );
  }
  return others[0];
}

/** Encodes a table's rows (features by the model's schema, labels by its classes). */
export function encodeForModel(table: Table, space: ModelSpace, label: string, name = table.source, options: { unseenAsOther?: boolean } = {}): ClassificationDataset {
  const labelIndex = table.columns.indexOf(label);
  const labels = new Int32Array(table.rows.length);
  table.rows.forEach((row, i) => {
    const value = row[labelIndex];
    const index = value === undefined ? -1 : space.classes.indexOf(value);
    if (index < 0) {
      throw new ThreatlabError('unknown-category', `${table.source}:${table.lines[i]}: label "${value ?? ''}" is not one of the model's classes (${space.classes.map((c) => `"${c}"`).join(', ')})`);
    }
    labels[i] = index;
  });
  const features = encodeTableWithSchema(space.schema, dropColumns(table, [label]), { allowMissing: space.allowMissing, unseenAsOther: options.unseenAsOther });
  return classificationDataset({ name, features, labels, classes: [...space.classes], schema: space.schema, targetName: label });
}

/** Where each row of a table came from, as `file:line`. */
export function rowSources(table: Table): string[] {
  return table.lines.map((line) => `${table.source}:${line}`);
}
