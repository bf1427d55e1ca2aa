/**
 * A raw table as read from a file: named string columns, `undefined` for a missing value,
 * and the source line of every row so that later errors can point at it.
 */

import { ThreatlabError } from '../errors.ts';

/** A raw table of strings; `undefined` marks a missing value. */
export interface Table {
  /** Where the table came from (a path), for error messages. */
  source: string;
  columns: string[];
  rows: (string | undefined)[][];
  /** 1-based source line of each row (the line it ends on, for a quoted field spanning lines). */
  lines: number[];
}

/** Index of a column by name; an error naming the table and its columns when absent. */
export function columnIndex(table: Table, name: string): number {
  const index = table.columns.indexOf(name);
  if (index < 0) {
    throw new ThreatlabError(
      'not-found',
      `${table.source}: no column "${name}"; the columns are ${table.columns.map((c) => `"${c}"`).join(', ')}`,
    );
  }
  return index;
}

/** A table with only the rows for which `keep` is true. */
export function filterRows(table: Table, keep: (row: (string | undefined)[], index: number) => boolean): Table {
  const rows: (string | undefined)[][] = [];
  const lines: number[] = [];
  table.rows.forEach((row, i) => {
    if (keep(row, i)) {
      rows.push(row);
      lines.push(table.lines[i]);
    }
  });
  return { ...table, rows, lines };
}

/** A table without the named columns. */
export function dropColumns(table: Table, names: string[]): Table {
  const drop = new Set(names.map((name) => columnIndex(table, name)));
  const keepIndex = table.columns.map((_, i) => i).filter((i) => !drop.has(i));
  return {
    ...table,
    columns: keepIndex.map((i) => table.columns[i]),
    rows: table.rows.map((row) => keepIndex.map((i) => row[i])),
  };
}

/** A table whose column `name` is rewritten value by value (missing stays missing). */
export function mapColumn(table: Table, name: string, map: (value: string) => string | undefined): Table {
  const index = columnIndex(table, name);
  return {
    ...table,
    rows: table.rows.map((row) => {
      const copy = row.slice();
      const value = copy[index];
      copy[index] = value === undefined ? undefined : map(value);
      return copy;
    }),
  };
}

/** The rows with a value in every one of the named columns (all columns by default). */
export function completeRows(table: Table, names: string[] = table.columns): Table {
  const indices = names.map((name) => columnIndex(table, name));
  return filterRows(table, (row) => indices.every((i) => row[i] !== undefined));
}
