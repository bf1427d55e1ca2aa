/**
 * What a CLI command writes to, and the rules every command follows: under `--json` exactly
 * one JSON document on stdout; otherwise human text. Errors are one line (or one JSON object
 * `{"error":{"code","message"}}` under `--json`); exit 0 ok, 1 failure, 2 usage error.
 */

import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ThreatlabError } from '../errors.ts';

/** Output streams of a CLI run (replaceable in tests). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is an interactive terminal (progress bars are drawn only there). */
  stderrIsTerminal: boolean;
}

/** The process's own streams. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTerminal: process.stderr.isTTY === true,
};

/** Exit statuses. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Options every command accepts. */
export interface CommonOptions {
  json?: boolean;
}

/** Prints a command's result: `data` as JSON under `--json`, else `text()`. */
export function printResult(io: CliIo, options: CommonOptions, data: unknown, text: () => string): void {
  if (options.json) io.stdout(`${JSON.stringify(data, null, 2)}\n`);
  else io.stdout(text().replace(/\n?$/, '\n'));
}

/**
 * Refuses an `--out` that is one of the command's input files (named by their flags): writing
 * there would replace what was read — a scrubbed model over its original, a stolen copy over its
 * target, a converted file over the tfjs model.json it came from.
 */
export function refuseOutOverInput(out: string | undefined, inputs: Record<string, string | undefined>): void {
  if (!out) return;
  const where = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
  const target = where(out);
  for (const [flag, path] of Object.entries(inputs)) {
    if (path && where(path) === target) throw new ThreatlabError('usage', `--out ${out} is the ${flag} file itself: writing there would replace it; give another path (nothing was written)`);
  }
}

/** Runs a check of the command line's own words: its validation errors are usage errors (exit 2). */
export function asUsage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ThreatlabError && error.code === 'validation') throw new ThreatlabError('usage', error.message);
    throw error;
  }
}

/** "1 request", "2 requests". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Prints an error the way the CLI promises and returns the exit status. */
export function reportError(io: CliIo, json: boolean, error: unknown): number {
  const failure =
    error instanceof ThreatlabError
      ? error
      : new ThreatlabError('internal', `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  if (json) io.stdout(`${JSON.stringify(failure.toJSON())}\n`);
  else io.stderr(`threatlab: error [${failure.code}]: ${failure.message}\n`);
  return failure.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
}

/** Renders rows as an aligned text table. */
export function textTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, j) => Math.max(...cells.map((row) => (row[j] ?? '').length)));
  return cells.map((row) => row.map((cell, j) => cell.padEnd(widths[j])).join('  ').trimEnd()).join('\n');
}

/**
 * Long notes leave the table so it fits a screen: each row with a note gets a marker ([1], [2]…;
 * rows with the same note share one) and the notes are listed below the table.
 */
export function footnotes(notes: Array<string | undefined>): { markers: string[]; lines: string[] } {
  const distinct: string[] = [];
  const markers = notes.map((note) => {
    if (!note) return '';
    let index = distinct.indexOf(note);
    if (index < 0) index = distinct.push(note) - 1;
    return `[${index + 1}]`;
  });
  return { markers, lines: distinct.map((note, i) => `[${i + 1}] ${note}`) };
}
