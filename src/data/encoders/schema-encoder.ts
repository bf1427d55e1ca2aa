/**
 * Encodes raw rows (named values, as a user or an API client sends them) into the feature
 * matrix a model takes, using the model's own schema: numbers parsed, categories one-hot or
 * ordinal by the schema's levels, missing values as NaN where the model allows them. Unknown
 * columns, missing columns and unknown categories are errors that name the row and the fix.
 */

import { ThreatlabError, ValidationError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { columnCount, type FeatureSchema } from '../schema.ts';
import type { Table } from '../table.ts';
import { OTHER_LEVEL } from './one-hot.ts';

/** Options of `encodeTableWithSchema`. */
export interface SchemaEncodeOptions {
  /** Missing values become NaN (tree models) instead of an error. */
  allowMissing?: boolean;
  /**
   * A category the model never saw takes its "(other)" level, when it has one, instead of an
   * error: only for rebuilding the split threatlab train made, whose held-out rows took that level.
   * A user's own rows keep the error, so that a typo is not answered silently.
   */
  unseenAsOther?: boolean;
}

/** Encodes a raw table whose columns are the schema's feature names (any order, extra columns refused). */
export function encodeTableWithSchema(schema: FeatureSchema, table: Table, options: SchemaEncodeOptions = {}): Matrix {
  const names = schema.features.map((feature) => feature.name);
  const missingColumns = names.filter((name) => !table.columns.includes(name));
  const unknownColumns = table.columns.filter((name) => !names.includes(name));
  if (missingColumns.length > 0 || unknownColumns.length > 0) {
    const issues = [
      ...missingColumns.slice(0, 5).map((name) => ({ path: name, message: 'the model needs this column' })),
      ...unknownColumns.slice(0, 5).map((name) => ({ path: name, message: 'the model has no such feature' })),
    ];
    throw new ValidationError(`${table.source}: columns do not match the model's features (${names.length} expected)`, issues);
  }
  const positions = names.map((name) => table.columns.indexOf(name));
  const cols = columnCount(schema);
  const out = createMatrix(table.rows.length, cols);
  table.rows.forEach((row, i) => {
    const where = `${table.source}:${table.lines[i]}`;
    let offset = i * cols;
    schema.features.forEach((feature, f) => {
      const raw = row[positions[f]];
      if (raw === undefined) {
        if (!options.allowMissing) {
          throw new ThreatlabError('missing-value', `${where}: "${feature.name}" is missing; this model needs every feature (only trees answer partial rows)`);
        }
        if (feature.kind === 'categorical' && feature.encoding === 'one-hot') {
          throw new ThreatlabError('missing-value', `${where}: "${feature.name}" is missing; a one-hot feature cannot be left out`);
        }
        out.data[offset++] = NaN;
        return;
      }
      if (feature.kind === 'numeric') {
        const value = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(value)) {
          throw new ThreatlabError('parse-error', `${where}: "${feature.name}" is "${raw}", not a finite number`);
        }
        out.data[offset++] = value;
        return;
      }
      const seen = feature.levels.indexOf(raw);
      const level = seen >= 0 || !options.unseenAsOther ? seen : feature.levels.indexOf(OTHER_LEVEL);
      if (level < 0) {
        const shown = feature.levels.slice(0, 8).map((l) => `"${l}"`).join(', ');
        throw new ThreatlabError('unknown-category', `${where}: "${feature.name}" is "${raw}", not one of the model's levels (${shown}${feature.levels.length > 8 ? ', …' : ''})`);
      }
      if (feature.encoding === 'one-hot') {
        out.data[offset + level] = 1;
        offset += feature.levels.length;
      } else {
        out.data[offset++] = level;
      }
    });
  });
  return out;
}
