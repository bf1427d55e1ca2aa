/** What both path-finding variants share: the columns as the attack sees them, and leaf answers. */

import { columnLayout } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import type { LeafAnswer, Oracle, OracleInfo } from '../../oracle/types.ts';

/** One encoded column: numeric (one-hot columns are numeric on [0, 1]) or ordinal-categorical. */
export interface Column {
  categorical: boolean;
  min: number;
  max: number;
  levels: number;
}

/** The encoded columns of a tree's schema. */
export function treeColumns(info: OracleInfo): Column[] {
  const columns: Column[] = [];
  for (const { feature } of columnLayout(info.schema)) {
    if (feature.kind === 'numeric') columns.push({ categorical: false, min: feature.min, max: feature.max, levels: 0 });
    else if (feature.encoding === 'ordinal') columns.push({ categorical: true, min: 0, max: feature.levels.length - 1, levels: feature.levels.length });
    else for (let l = 0; l < feature.levels.length; l++) columns.push({ categorical: false, min: 0, max: 1, levels: 0 });
  }
  return columns;
}

/** A node's identity as the API reveals it: prediction, count and distribution. */
export const identity = (answer: LeafAnswer): string => `${answer.label}|${answer.count}|${answer.probabilities.join(',')}`;

/** Training counts per class, from the revealed distribution and count. */
export const countsOf = (answer: LeafAnswer): number[] => answer.probabilities.map((p) => Math.round(p * answer.count));

/** Queries rows, one request. */
export async function ask(oracle: Oracle, rows: Float64Array[]): Promise<LeafAnswer[]> {
  if (rows.length === 0) return [];
  const cols = rows[0].length;
  const matrix = createMatrix(rows.length, cols);
  rows.forEach((row, i) => matrix.data.set(row, i * cols));
  return (await oracle.query(matrix)) as LeafAnswer[];
}

/** A copy of `row` with one column changed. */
export function withValue(row: Float64Array, column: number, value: number): Float64Array {
  const copy = Float64Array.from(row);
  copy[column] = value;
  return copy;
}
