/**
 * Counts the rows of CSV bytes as a stream (csv-parse, the options of `parseCsv`), keeping only
 * the header: each record is counted and dropped, and counting stops at the first row or cell
 * past the limits. Checks an upload without ever building its table.
 */

import { parse } from 'csv-parse';
import { ThreatlabError } from '../../errors.ts';

/** Limits of a count. */
export interface CsvCountLimits {
  maxRows: number;
  maxCells: number;
}

/** The header and the number of data rows; a `limit-exceeded` error names `rowsLimit` / `cellsLimit` settings. */
export async function countCsv(bytes: Uint8Array, limits: CsvCountLimits, source: string, names = { rows: 'maxUploadRows', cells: 'maxUploadCells' }): Promise<{ rows: number; columns: string[] }> {
  let columns: string[] | undefined;
  let rows = 0;
  let failure: Error | undefined;
  const over = (what: string, value: number, name: string, limit: number) =>
    new ThreatlabError('limit-exceeded', `${source}: ${what} is over this server's limit of ${limit} (${name}); upload less`);
  const parser = parse({
    delimiter: ',',
    trim: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    on_record: (record: string[]) => {
      if (!columns) columns = record;
      else if (++rows > limits.maxRows) failure ??= over('the number of rows', rows, names.rows, limits.maxRows);
      else if (rows * columns.length > limits.maxCells) failure ??= over('the number of cells (rows × columns)', rows * columns.length, names.cells, limits.maxCells);
      return null;
    },
  });
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (error: Error & { code?: string; lines?: number }) => {
      const line = error.lines !== undefined ? `:${error.lines}` : '';
      failure ??= error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? new ThreatlabError('ragged-row', `${source}${line}: this row has a different number of fields from the header; fix the row (a stray separator or a missing quote)`)
        : new ThreatlabError('parse-error', `${source}${line}: ${error.message}`);
      resolve();
    });
  });
  parser.resume();
  const step = 1 << 16;
  for (let offset = 0; offset < bytes.length && !failure; offset += step) parser.write(bytes.subarray(offset, offset + step));
  if (failure) parser.destroy();
  else {
    parser.end();
    await ended;
  }
  if (failure) throw failure;
  if (!columns) throw new ThreatlabError('empty-file', `${source} is empty; upload a CSV with a header row and data rows`);
  if (rows === 0) throw new ThreatlabError('empty-file', `${source} has a header but no data rows`);
  return { rows, columns };
}
