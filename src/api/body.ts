/**
 * Request bodies read as they arrive and cut at a limit, chunked or not: a body is never held
 * past the limit, and a CSV upload is parsed as a stream (csv-parse) with row and cell limits,
 * so no upload can exhaust the server's memory or hold its thread for long.
 */

import { parse } from 'csv-parse';
import { ThreatlabError } from '../errors.ts';
import { overLimit, type ServerLimits } from './limits.ts';

function tooLarge(size: number | undefined, limit: number): ThreatlabError {
  return new ThreatlabError('payload-too-large', `the request body${size === undefined ? '' : ` of ${size} bytes`} exceeds this server's limit of ${limit} bytes; send less per request`);
}

/** The body's chunks, refused past `limit` bytes (by Content-Length before reading when sent, else while reading). */
async function* bodyChunks(request: Request, limit: number): AsyncGenerator<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(declared, limit);
  if (!request.body) return;
  const reader = request.body.getReader();
  let total = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      total += value.byteLength;
      if (total > limit) throw tooLarge(undefined, limit);
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

/** The body as text, at most `limit` bytes. */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(request, limit)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A CSV upload: its text, data rows and header, checked against the byte, row and cell limits while it streams in. */
export async function readCsvUpload(request: Request, limits: ServerLimits, source: string): Promise<{ text: string; rows: number; columns: string[] }> {
  let columns: string[] | undefined;
  let rows = 0;
  let failure: Error | undefined;
  const parser = parse({
    delimiter: ',',
    trim: true,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    // Every record is counted and dropped: nothing but the header is kept.
    on_record: (record: string[]) => {
      if (!columns) columns = record;
      else if (++rows > limits.maxUploadRows) failure ??= overLimit(`${source}: the number of rows`, rows, 'maxUploadRows', limits.maxUploadRows, 'upload fewer rows');
      else if (rows * columns.length > limits.maxUploadCells) failure ??= overLimit(`${source}: the number of cells (rows × columns)`, rows * columns.length, 'maxUploadCells', limits.maxUploadCells, 'upload fewer rows or columns');
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
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(request, limits.maxUploadBytes)) {
    chunks.push(chunk);
    parser.write(chunk);
    if (failure) break;
  }
  if (!failure) {
    parser.end();
    await ended;
  } else {
    parser.destroy();
  }
  if (failure) throw failure;
  if (!columns) throw new ThreatlabError('empty-file', `${source} is empty; upload a CSV with a header row and data rows`);
  if (rows === 0) throw new ThreatlabError('empty-file', `${source} has a header but no data rows`);
  return { text: Buffer.concat(chunks).toString('utf8'), rows, columns };
}
