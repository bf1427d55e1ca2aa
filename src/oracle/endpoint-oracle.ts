/**
 * Oracles over the serving conventions users run, so every black-box attack works on a model
 * behind their own endpoint:
 *
 * - `kserve-v1`: the TensorFlow-Serving / KServe v1 REST predict protocol — POST
 *   `{"instances": [[…], …]}` to the model's `:predict` URL, answered `{"predictions": […]}`,
 *   one probability vector (or one class) per instance.
 * - `oip-v2`: the Open Inference Protocol (KServe v2, Triton, threatlab serve) — POST a tensor
 *   to `/v2/models/NAME/infer`, answered with output tensors; a `[n, classes]` output is read as
 *   probabilities, a `[n]` or `[n, 1]` one as class indices.
 *
 * Neither protocol says what the model's features or classes are, nor whether it answers
 * probabilities or classes: the caller declares them (an endpoint file, `threatlab schema`
 * documents it), and every answer is checked against the declaration — no query is spent on
 * probing, and an answer that does not fit is an error, never a guess.
 */

import { ThreatlabError } from '../errors.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { columnCount } from '../data/schema.ts';
import type { Matrix } from '../math/matrix.ts';
import type { ModelKind } from '../models/types.ts';
import type { Answer, Oracle, OracleInfo } from './types.ts';

/** The serving conventions. */
export type EndpointProtocol = 'kserve-v1' | 'oip-v2';

/** Where and how to reach an endpoint, and what the caller knows of its model. */
export interface EndpointOptions {
  protocol: EndpointProtocol;
  /** kserve-v1: the predict URL; oip-v2: the server's base URL. */
  url: string;
  /** oip-v2: the model name. */
  model?: string;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  schema: FeatureSchema;
  classes: string[];
  /** What the endpoint answers: probabilities (`scores`, the default) or classes (`label`). */
  reveals?: 'scores' | 'label';
  kind?: ModelKind | 'unknown';
  /** Rows per request. */
  batch?: number;
  /** oip-v2: the input tensor's name and type. */
  inputName?: string;
  datatype?: 'FP32' | 'FP64';
  fetcher?: (url: string, init: RequestInit) => Promise<Response>;
}

type Decoded = { kind: 'scores'; rows: number[][] } | { kind: 'label'; labels: number[] };

function isProbabilityRow(row: unknown, classes: number): row is number[] {
  if (!Array.isArray(row) || row.length !== classes || !row.every((p) => typeof p === 'number' && p >= -1e-6 && p <= 1 + 1e-6)) return false;
  const sum = (row as number[]).reduce((a, b) => a + b, 0);
  return Math.abs(sum - 1) < 1e-3;
}

/** An oracle over a KServe v1 or Open Inference Protocol endpoint. */
export class EndpointOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly options: EndpointOptions;

  constructor(options: EndpointOptions) {
    if (options.classes.length < 2) throw new ThreatlabError('usage', "an endpoint oracle needs the model's classes (two or more), in output order");
    if (options.protocol === 'oip-v2' && !options.model) throw new ThreatlabError('usage', 'the Open Inference Protocol needs the model name (--model-id NAME)');
    const reveals = options.reveals ?? 'scores';
    this.options = options;
    this.info = {
      kind: options.kind ?? 'unknown',
      task: 'classification',
      schema: options.schema,
      inputSize: columnCount(options.schema),
      classes: options.classes,
      reveals,
      policy: reveals === 'scores' ? { kind: 'full' } : { kind: 'label-only' },
      price: 0,
      partialRows: false,
    };
  }

  async query(rows: Matrix): Promise<Answer[]> {
    const batch = this.options.batch ?? 100;
    const answers: Answer[] = [];
    for (let start = 0; start < rows.rows; start += batch) {
      const count = Math.min(batch, rows.rows - start);
      const slice = rows.data.subarray(start * rows.cols, (start + count) * rows.cols);
      const decoded = await this.request(slice, count, rows.cols);
      if (decoded.kind !== this.info.reveals) {
        throw new ThreatlabError('validation', `${this.options.url} answered ${decoded.kind === 'scores' ? 'probabilities' : 'classes'}, but it was declared to answer ${this.info.reveals === 'scores' ? 'probabilities' : 'classes'}; fix "reveals" in the endpoint file`);
      }
      if (decoded.kind === 'scores') {
        for (const p of decoded.rows) answers.push({ kind: 'scores', label: p.indexOf(Math.max(...p)), probabilities: p });
      } else {
        for (const label of decoded.labels) answers.push({ kind: 'label', label });
      }
    }
    return answers;
  }

  private async request(data: Float64Array, count: number, cols: number): Promise<Decoded> {
    const { protocol } = this.options;
    const rows: number[][] = [];
    for (let i = 0; i < count; i++) rows.push(Array.from(data.subarray(i * cols, (i + 1) * cols)));
    const url = protocol === 'kserve-v1' ? this.options.url : `${this.options.url.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(this.options.model ?? '')}/infer`;
    const body =
      protocol === 'kserve-v1'
        ? { instances: rows }
        : { inputs: [{ name: this.options.inputName ?? 'input', shape: [count, cols], datatype: this.options.datatype ?? 'FP64', data: rows.flat() }] };
    const fetcher = this.options.fetcher ?? ((target: string, init: RequestInit) => fetch(target, init));
    let response: Response;
    try {
      response = await fetcher(url, { method: 'POST', headers: { 'content-type': 'application/json', ...this.options.headers }, body: JSON.stringify(body) });
    } catch (error) {
      throw new ThreatlabError('internal', `cannot reach ${url}: ${(error as Error).message}; check the URL and that the endpoint runs`, { cause: error });
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) throw new ThreatlabError('unauthorized', `${url} answered ${response.status}; give its credentials with --header 'Authorization: …'`);
    if (response.status === 402) throw new ThreatlabError('budget-exceeded', `${url} answered 402: the endpoint's budget is spent`);
    if (!response.ok) throw new ThreatlabError('internal', `${url} answered ${response.status}: ${text.slice(0, 300)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ThreatlabError('parse-error', `${url} answered with a body that is not JSON: ${text.slice(0, 120)}`);
    }
    return protocol === 'kserve-v1' ? this.decodeV1(json, count, url) : this.decodeV2(json, count, url);
  }

  private decodeV1(json: unknown, count: number, url: string): Decoded {
    const predictions = (json as { predictions?: unknown }).predictions;
    if (!Array.isArray(predictions) || predictions.length !== count) throw new ThreatlabError('parse-error', `${url}: expected {"predictions": [...]} with ${count} entries`);
    return this.decodeRows(predictions, url);
  }

  private decodeV2(json: unknown, count: number, url: string): Decoded {
    const outputs = (json as { outputs?: { name?: string; shape?: number[]; data?: unknown[] }[] }).outputs;
    if (!Array.isArray(outputs) || outputs.length === 0) throw new ThreatlabError('parse-error', `${url}: expected {"outputs": [...]} (Open Inference Protocol)`);
    const classes = this.info.classes.length;
    const scores = outputs.find((o) => Array.isArray(o.shape) && o.shape.length === 2 && o.shape[0] === count && o.shape[1] === classes && Array.isArray(o.data));
    if (scores) {
      const flat = scores.data as number[];
      return this.decodeRows(Array.from({ length: count }, (_, i) => flat.slice(i * classes, (i + 1) * classes)), url);
    }
    const labels = outputs.find((o) => Array.isArray(o.shape) && o.shape[0] === count && (o.shape.length === 1 || o.shape[1] === 1) && Array.isArray(o.data));
    if (labels) return this.decodeRows(labels.data as unknown[], url);
    throw new ThreatlabError('parse-error', `${url}: no output of shape [${count}, ${classes}] (probabilities) or [${count}] (classes); outputs: ${outputs.map((o) => `${o.name}${JSON.stringify(o.shape)}`).join(', ')}`);
  }

  /** Rows of probabilities, or class answers (an index, or a class name). */
  private decodeRows(values: unknown[], url: string): Decoded {
    const classes = this.info.classes;
    if (values.every((row) => Array.isArray(row))) {
      if (!values.every((row) => isProbabilityRow(row, classes.length))) throw new ThreatlabError('parse-error', `${url}: answers are vectors but not probabilities over the ${classes.length} classes given (do they sum to 1?)`);
      return { kind: 'scores', rows: values as number[][] };
    }
    const labels = values.map((value) => {
      const index = typeof value === 'number' && Number.isInteger(value) ? value : classes.indexOf(String(value));
      if (index < 0 || index >= classes.length) throw new ThreatlabError('parse-error', `${url}: answer ${JSON.stringify(value)} is not one of the classes given (${classes.join(', ')})`);
      return index;
    });
    return { kind: 'label', labels };
  }
}
