/**
 * Turns a raw table into a data set: each column becomes a numeric column, one-hot columns,
 * an ordinal column (level index, for trees) or is dropped; the target becomes class labels or
 * regression values. Fitted on training rows only; `transform` then encodes any table with the
 * same columns, and names the file and line of any value it cannot encode.
 */

import { ThreatlabError, ValidationError } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import {
  classificationDataset,
  regressionDataset,
  type ClassificationDataset,
  type Dataset,
  type RegressionDataset,
} from '../dataset.ts';
import { columnCount, type Feature, type FeatureSchema } from '../schema.ts';
import { columnIndex, type Table } from '../table.ts';
import { compareLevels, fitOneHot, type OneHotEncoding, type UnknownPolicy } from './one-hot.ts';

/** How one raw column is encoded. */
export type ColumnEncoding = 'numeric' | 'one-hot' | 'ordinal' | 'drop';

/** What to encode and how. */
export interface TableEncoderSpec {
  target: string;
  task?: 'classification' | 'regression';
  /** Encodings by column; others are inferred: numeric when every value parses, else `categorical`. */
  columns?: Record<string, ColumnEncoding>;
  /** Encoding inferred for non-numeric columns (one-hot by default). */
  categorical?: 'one-hot' | 'ordinal';
  /** Unseen categories at transform time: an error (default) or an "other" level. */
  unknown?: UnknownPolicy;
  /** Class names in this order (default: sorted). */
  classOrder?: string[];
  /**
   * A missing numeric value is NaN by default (trees take it); given, it is an error naming the
   * file, line and column, this text saying what needs every value (`model "logistic" needs every value`).
   */
  refuseMissing?: string;
}

interface ColumnPlan {
  index: number;
  feature: Feature;
  levels?: OneHotEncoding;
}

/** A fitted table encoder. */
export interface TableEncoder {
  readonly schema: FeatureSchema;
  readonly task: 'classification' | 'regression';
  readonly classes: string[];
  readonly target: string;
  transform(table: Table, name: string): Dataset;
}

/** Fits an encoder on the training table. */
export function fitTableEncoder(train: Table, spec: TableEncoderSpec): TableEncoder {
  const targetIndex = columnIndex(train, spec.target);
  for (const name of Object.keys(spec.columns ?? {})) columnIndex(train, name);
  const plans: ColumnPlan[] = [];
  train.columns.forEach((name, index) => {
    if (index === targetIndex) return;
    const values = train.rows.map((row) => row[index]);
    const encoding = spec.columns?.[name] ?? inferEncoding(values, spec.categorical ?? 'one-hot');
    if (encoding === 'drop') return;
    if (encoding === 'numeric') {
      const numbers = values.map((value, i) => parseNumber(value, train, i, name));
      plans.push({ index, feature: { kind: 'numeric', name, ...finiteRange(numbers) } });
      return;
    }
    const levels = fitOneHot(name, values, { unknown: spec.unknown });
    plans.push({ index, levels, feature: { kind: 'categorical', name, levels: [...levels.levels], encoding } });
  });
  const task = spec.task ?? 'classification';
  const targetValues = train.rows.map((row) => row[targetIndex]);
  const classes = task === 'classification' ? classNames(targetValues, spec.classOrder, spec.target) : [];
  const schema: FeatureSchema = { features: plans.map((plan) => plan.feature) };
  return {
    schema,
    task,
    classes,
    target: spec.target,
    transform: (table, name) => encodeTable(table, name, plans, schema, targetIndexIn(table, spec.target), task, classes, spec.refuseMissing),
  };
}

function targetIndexIn(table: Table, target: string): number {
  return columnIndex(table, target);
}

function encodeTable(
  table: Table,
  name: string,
  plans: ColumnPlan[],
  schema: FeatureSchema,
  targetIndex: number,
  task: 'classification' | 'regression',
  classes: string[],
  refuseMissing: string | undefined,
): Dataset {
  const cols = columnCount(schema);
  const features = createMatrix(table.rows.length, cols);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = new Int32Array(table.rows.length);
  const targets = new Float64Array(table.rows.length);
  table.rows.forEach((row, i) => {
    const where = `${table.source}:${table.lines[i]}: `;
    let offset = i * cols;
    for (const plan of plans) {
      const value = row[plan.index];
      const feature = plan.feature;
      if (feature.kind === 'numeric') {
        if (value === undefined && refuseMissing !== undefined) {
          throw new ThreatlabError('missing-value', `${where}feature "${feature.name}" is missing; ${refuseMissing}: fill it in or drop incomplete rows, or train a tree (trees take missing values)`);
        }
        features.data[offset++] = parseNumber(value, table, i, feature.name);
      } else if (feature.encoding === 'one-hot') {
        plan.levels!.encodeInto(value, features.data, offset, where);
        offset += feature.levels.length;
      } else {
        features.data[offset++] = value === undefined ? NaN : plan.levels!.indexOf(value, where);
      }
    }
    const targetValue = row[targetIndex];
    if (targetValue === undefined) {
      throw new ThreatlabError('missing-value', `${where}the target "${table.columns[targetIndex]}" is missing; drop rows without a target`);
    }
    if (task === 'classification') {
      const label = classIndex.get(targetValue);
      if (label === undefined) {
        throw new ThreatlabError(
          'unknown-category',
          `${where}the target "${table.columns[targetIndex]}" has the class "${targetValue}", unknown in training (classes: ${classes.join(', ')})`,
        );
      }
      labels[i] = label;
    } else {
      targets[i] = parseNumber(targetValue, table, i, table.columns[targetIndex]);
    }
  });
  const base = { name, features, schema, targetName: table.columns[targetIndex] };
  return task === 'classification'
    ? (classificationDataset({ ...base, labels, classes }) satisfies ClassificationDataset)
    : (regressionDataset({ ...base, targets }) satisfies RegressionDataset);
}

function inferEncoding(values: (string | undefined)[], categorical: 'one-hot' | 'ordinal'): ColumnEncoding {
  let sawValue = false;
  for (const value of values) {
    if (value === undefined) continue;
    sawValue = true;
    if (!isNumeric(value)) return categorical;
  }
  return sawValue ? 'numeric' : categorical;
}

function isNumeric(value: string): boolean {
  return value.trim() !== '' && Number.isFinite(Number(value));
}

function parseNumber(value: string | undefined, table: Table, row: number, column: string): number {
  if (value === undefined) return NaN;
  if (!isNumeric(value)) {
    throw new ThreatlabError(
      'parse-error',
      `${table.source}:${table.lines[row]}: column "${column}" holds "${value}", which is not a finite number; fix the value or encode the column as categorical`,
    );
  }
  return Number(value);
}

function finiteRange(values: number[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

function classNames(values: (string | undefined)[], order: string[] | undefined, target: string): string[] {
  const present = new Set(values.filter((value): value is string => value !== undefined));
  if (order) {
    const unknown = [...present].filter((value) => !order.includes(value));
    if (unknown.length > 0) {
      throw new ValidationError('class order does not cover the data', [
        { path: target, message: `classes ${unknown.map((u) => `"${u}"`).join(', ')} are not in the given order` },
      ]);
    }
    return order.slice();
  }
  if (present.size === 0) {
    throw new ValidationError('cannot fit a table encoder', [{ path: target, message: 'the target has no values' }]);
  }
  return [...present].sort(compareLevels);
}
