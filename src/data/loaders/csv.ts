/**
 * CSV loading through csv-parse (a maintained parser): quoted fields, CR, LF and CRLF line
 * endings (detected per file), whitespace around separators (Adult's ", "), header names with
 * leading spaces (Iris's " class"). Values listed in `missing` (`?`, `NA` and empty by
 * default) become `undefined`. A row with the wrong number of fields is an error naming the
 * file and the line.
 */

import { parse } from 'csv-parse/sync';
import { ThreatlabError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import type { Table } from '../table.ts';
import { readNonEmptyFile } from './files.ts';

/** Tokens read as a missing value unless the caller says otherwise. */
export const DEFAULT_MISSING = ['', '?', 'NA'];

/** Options for `parseCsv` and `loadCsv`. */
export interface CsvOptions {
  delimiter?: string;
  /** Tokens that mean "missing" (after trimming). */
  missing?: string[];
  /** Data lines to skip right after the header (e.g. a survey tool's sub-header). */
  skipAfterHeader?: number;
  /** The file has no header row: columns are named `column1…`, or `columns` when given. */
  noHeader?: boolean;
  columns?: string[];
  /** Reports bytes parsed, for files of at least `PROGRESS_MIN_BYTES`. */
  progress?: Progress;
}

/** Files smaller than this parse in well under a second and show no progress. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024;

/** How many records pass between two progress reports. */
const RECORDS_PER_REPORT = 2048;

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Parses CSV text into a table; `source` names it in errors. */
export function parseCsv(text: string, source: string, options: CsvOptions = {}): Table {
  if (text.trim() === '') throw new ThreatlabError('empty-file', `${source} is empty; give a CSV file with a header and rows`);
  let records: ParsedRecord[];
  const progress = parseProgress(text, source, options.progress);
  try {
    records = parse(text, {
      delimiter: options.delimiter ?? ',',
      trim: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      info: true,
      on_record: progress?.onRecord,
    }) as unknown as ParsedRecord[];
  } catch (error) {
    throw csvError(error, source);
  }
  progress?.done();
  const missing = new Set(options.missing ?? DEFAULT_MISSING);
  let header: string[];
  if (options.noHeader) {
    const width = records[0]?.record.length ?? 0;
    header = options.columns ?? Array.from({ length: width }, (_, i) => `column${i + 1}`);
  } else {
    const first = records.shift();
    if (!first) throw new ThreatlabError('empty-file', `${source} has no header row`);
    header = first.record.map((name) => name.trim());
  }
  const body = records.slice(options.skipAfterHeader ?? 0);
  if (body.length > 0 && body[0].record.length !== header.length) {
    throw new ThreatlabError(
      'ragged-row',
      `${source}:${body[0].info.lines}: ${body[0].record.length} fields, the header has ${header.length}; fix the row or the header`,
    );
  }
  return {
    source,
    columns: header,
    rows: body.map(({ record }) => record.map((value) => (missing.has(value) ? undefined : value))),
    lines: body.map(({ info }) => info.lines),
  };
}

/** Loads a CSV file into a table. */
export function loadCsv(path: string, options: CsvOptions = {}): Table {
  return parseCsv(readNonEmptyFile(path, 'CSV file').toString('utf8'), path, options);
}

/** A bar over the file's bytes, advanced every `RECORDS_PER_REPORT` records; none for small files. */
function parseProgress(text: string, source: string, progress: Progress | undefined): { onRecord: <T>(record: T, context: { bytes: number; records: number }) => T; done(): void } | undefined {
  if (!progress) return undefined;
  const total = Buffer.byteLength(text, 'utf8');
  if (total < PROGRESS_MIN_BYTES) return undefined;
  const name = source.replace(/^.*[\\/]/, '');
  progress.start(`parsing ${name} (MB)`, Math.ceil(total / 1e6));
  let reported = 0;
  return {
    onRecord(record, context) {
      if (context.records % RECORDS_PER_REPORT === 0) {
        const megabytes = Math.floor(context.bytes / 1e6);
        if (megabytes > reported) progress.tick(megabytes - reported);
        reported = Math.max(reported, megabytes);
      }
      return record;
    },
    done: () => progress.done(),
  };
}

function csvError(error: unknown, source: string): ThreatlabError {
  const details = error as { code?: string; lines?: number; message?: string };
  const line = details.lines !== undefined ? `:${details.lines}` : '';
  if (details.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || details.code === 'CSV_INCONSISTENT_RECORD_LENGTH') {
    return new ThreatlabError(
      'ragged-row',
      `${source}${line}: this row has a different number of fields from the header; fix the row (a stray separator or a missing quote)`,
      { cause: error },
    );
  }
  return new ThreatlabError('parse-error', `${source}${line}: ${details.message ?? String(error)}`, { cause: error });
}
