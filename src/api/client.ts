/**
 * The HTTP client of the prediction API, and `HttpOracle`: an Oracle over a model served by
 * `threatlab serve` (or any fetch handler, for tests without a socket). A server error comes back
 * as the same ThreatlabError code it had on the server.
 */

import { ThreatlabError } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Answer, Oracle, OracleInfo } from '../oracle/types.ts';
import { errorFromBody } from './http-errors.ts';
import { ROWS_F64, type ModelInfoResponse, type PredictResponse } from './protocol.ts';

/** A fetch function (global fetch, or a Hono app's `request`). */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** Calls the API with a key. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly key: string | undefined;
  private readonly fetcher: Fetch;

  constructor(baseUrl: string, key?: string, fetcher: Fetch = (url, init) => fetch(url, init)) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.key = key;
    this.fetcher = fetcher;
  }

  /** Sends a request and returns the parsed JSON, or throws the server's error. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (body !== undefined) headers['content-type'] = contentType;
    let response: Response;
    try {
      response = await this.fetcher(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
      });
    } catch (error) {
      throw new ThreatlabError('internal', `cannot reach ${this.baseUrl}: ${(error as Error).message}; is threatlab serve running?`, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ThreatlabError('internal', `${this.baseUrl}${path} answered ${response.status} with a body that is not JSON`);
    }
    if (!response.ok) throw errorFromBody(parsed, response.status);
    return parsed as T;
  }

  /** GET /v1/models/:id */
  modelInfo(modelId: string): Promise<ModelInfoResponse> {
    return this.call('GET', `/v1/models/${encodeURIComponent(modelId)}`);
  }

  /** POST /v1/models/:id/predict with encoded rows (NaN sent as null). */
  predict(modelId: string, rows: Matrix): Promise<PredictResponse> {
    const body: (number | null)[][] = [];
    for (let i = 0; i < rows.rows; i++) body.push(rowJson(rows, i));
    return this.call('POST', `/v1/models/${encodeURIComponent(modelId)}/predict`, { rows: body });
  }

  /**
   * Predicts any number of rows as float64 bytes (`ROWS_F64`), in as many requests as keep each
   * body under `maxBytes` and hold at most `MAX_REQUEST_ROWS`, in order; the answers come back
   * concatenated.
   */
  async predictAllBinary(modelId: string, rows: Matrix, maxBytes: number): Promise<PredictResponse['answers']> {
    const answers: PredictResponse['answers'] = [];
    const perRequest = Math.min(MAX_REQUEST_ROWS, Math.max(1, Math.floor(maxBytes / (8 * rows.cols))));
    for (let start = 0; start < rows.rows; start += perRequest) {
      const values = rows.data.subarray(start * rows.cols, Math.min(rows.rows, start + perRequest) * rows.cols);
      const bytes = new Uint8Array(8 * values.length);
      const view = new DataView(bytes.buffer);
      for (let k = 0; k < values.length; k++) view.setFloat64(8 * k, values[k], true);
      const response = await this.call<PredictResponse>('POST', `/v1/models/${encodeURIComponent(modelId)}/predict`, bytes, ROWS_F64);
      answers.push(...response.answers);
    }
    return answers;
  }

  /**
   * Predicts any number of rows in as many requests as keep each body under `maxBytes` (the
   * server refuses larger ones with 413) and hold at most `MAX_REQUEST_ROWS`, in order; the
   * answers come back concatenated.
   */
  async predictAll(modelId: string, rows: Matrix, maxBytes: number): Promise<PredictResponse['answers']> {
    const answers: PredictResponse['answers'] = [];
    let batch: string[] = [];
    let size = 12;
    const send = async () => {
      if (batch.length === 0) return;
      const response = await this.call<PredictResponse>('POST', `/v1/models/${encodeURIComponent(modelId)}/predict`, `{"rows":[${batch.join(',')}]}`);
      answers.push(...response.answers);
      batch = [];
      size = 12;
    };
    for (let i = 0; i < rows.rows; i++) {
      const row = JSON.stringify(rowJson(rows, i));
      if (batch.length > 0 && (size + row.length + 1 > maxBytes || batch.length === MAX_REQUEST_ROWS)) await send();
      batch.push(row);
      size += row.length + 1;
    }
    await send();
    return answers;
  }
}

function rowJson(rows: Matrix, i: number): (number | null)[] {
  return Array.from(rows.data.subarray(i * rows.cols, (i + 1) * rows.cols), (value) => (Number.isNaN(value) ? null : value));
}

/** Most rows HttpOracle sends in one request: the server's default `maxPredictRows` (a narrow model's rows fit many more in a body). */
export const MAX_REQUEST_ROWS = 10_000;

/** Largest request body HttpOracle sends by default: under the server's 1 MiB limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 900_000;

/** An oracle over a model behind the prediction API. */
export class HttpOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly client: ApiClient;
  private readonly maxRequestBytes: number;
  /** Whether the server reads rows as float64 bytes (`ROWS_F64`; servers before it read JSON only, and do not list `rowFormats`). */
  readonly binaryRows: boolean;

  private constructor(client: ApiClient, info: OracleInfo, maxRequestBytes: number, binaryRows: boolean) {
    this.client = client;
    this.info = info;
    this.maxRequestBytes = maxRequestBytes;
    this.binaryRows = binaryRows;
  }

  /**
   * Reads the model's info and returns its oracle; a query is split into requests of at most
   * `maxRequestBytes`, its rows sent as float64 bytes where the server reads them (`json`: always JSON).
   */
  static async connect(baseUrl: string, modelId: string, key: string, fetcher?: Fetch, maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES, json = false): Promise<HttpOracle> {
    const client = new ApiClient(baseUrl, key, fetcher);
    const { id, name: _name, visibility: _visibility, published: _published, owned: _owned, rowFormats, ...info } = await client.modelInfo(modelId);
    return new HttpOracle(client, { ...info, modelId: id }, maxRequestBytes, !json && (rowFormats ?? []).includes(ROWS_F64));
  }

  async query(rows: Matrix): Promise<Answer[]> {
    if (this.binaryRows) return this.client.predictAllBinary(this.info.modelId!, rows, this.maxRequestBytes);
    return this.client.predictAll(this.info.modelId!, rows, this.maxRequestBytes);
  }
}
