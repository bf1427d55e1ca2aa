/**
 * Request bodies read as they arrive and cut at a limit, chunked or not: a body is never held
 * past the limit, so no request can exhaust the server's memory.
 */

import { ThreatlabError } from '../errors.ts';

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
  return (await readBodyBytes(request, limit)).toString('utf8');
}

/**
 * The body as bytes, at most `limit`. A body with a Content-Length within the limit is read in
 * one go (the HTTP parser delivers exactly that many bytes; the adapter's fast path); a chunked
 * one chunk by chunk, cut as soon as it passes the limit.
 */
export async function readBodyBytes(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(declared, limit);
  if (declared >= 0) return Buffer.from(await request.arrayBuffer());
  const chunks: Uint8Array[] = [];
  for await (const chunk of bodyChunks(request, limit)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
