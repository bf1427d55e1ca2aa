/** Messages between the training pool and its workers (structured-clone friendly). */

import { classificationDataset, type ClassificationDataset, type ImageShape } from '../data/dataset.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { ThreatlabError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { selectedRowsMatrix } from '../math/selected-rows.ts';
import type { ModelJson } from '../models/json.ts';
import type { DatasetDescription } from './training-set.ts';

/** A classification data set as plain arrays. */
export interface DatasetMessage {
  name: string;
  rows: number;
  cols: number;
  features: Float64Array;
  labels: Int32Array;
  classes: string[];
  schema: FeatureSchema;
  targetName: string;
  image?: ImageShape;
}

/** A matrix as plain arrays. */
export interface MatrixMessage {
  rows: number;
  cols: number;
  data: Float64Array;
}

/**
 * A training set named by its rows of data sets held in shared memory (each sent as a handle, not
 * copied): the worker gathers the rows into a buffer of its own, so the pool's thread copies
 * nothing a fit (property inference's Adult shadows: ~0.6 ms of a ~12 ms fit, on the core the
 * other worker trains on).
 */
export interface SelectionMessage {
  /**
   * The set's name, classes, schema, target and image shape, sent the first time a worker meets
   * them: after that `likeKey` names them (`describeSelection`). Adult's schema cost ~10 µs of
   * encoding in the pool's thread and ~20 µs of decoding in the worker a fit.
   */
  like?: DatasetDescription;
  /** Names `like` in this pool: the worker keeps each description it is sent under its key. */
  likeKey: number;
  /** A description the worker may drop (the pool has stopped naming it to this worker). */
  forget?: number;
  cols: number;
  /** `key`: names `features` in this process (`sharedKey`) — a worker receives a new view of the same memory with every message, and keeps what it derives from a data set under its key. */
  parts: { features: Float64Array; labels: Int32Array; rows: Int32Array; key: number }[];
}

/** Fit one model. */
export interface TrainingRequest {
  id: number;
  kind: string;
  params: Record<string, unknown>;
  seed: number;
  data: DatasetMessage | SelectionMessage;
  /** Rows to answer with the fitted model; when given, the reply carries the answers, not the model. */
  predict?: MatrixMessage[];
  /** Reply with the model's weights packed (`packWeights`): for a pool reading the model back at once, not for a file form sent on. */
  packed?: boolean;
}

/** Skip a fit sent ahead and cancelled before the worker started it (its reply: `skipped`, the rows handed back). */
export interface TrainingSkip {
  skip: number;
}

/** The fitted model, or the error. */
export interface TrainingReply {
  id: number;
  model?: ModelJson;
  predictions?: MatrixMessage[];
  backend?: string;
  error?: { code: string; message: string };
  /** The request's row buffer, transferred back for the pool to reuse. */
  rows?: ArrayBuffer;
  /** The fit was skipped (`TrainingSkip`). */
  skipped?: boolean;
  /** Seconds the worker spent on this fit, from taking it up to its reply (gathering its rows, fitting, packing), not waiting in its turn. */
  seconds?: number;
  /** The packed model's schema was the training set's and was left out (`omitTrainingSchema`): the pool puts back its own. */
  schemaOmitted?: boolean;
}

/**
 * Replaces a network's weights and biases in its file form (an MLP's layers, a CNN's blocks and
 * dense head) by Float64Arrays, in place, and returns their buffers to transfer. A Fashion-MNIST
 * shadow's 100k weights as a plain array cost the pool's thread a structured-clone decoding into
 * a JavaScript array and a collection of it (~15–25 ms a shadow, on the core the other worker
 * trains on); as a transferred Float64Array they cost nothing. Only `modelFromOwnJson` reads such a
 * form (its `Float64Array.from` takes either); it is never a file's: `JSON.stringify` writes a
 * Float64Array as an object.
 */
export function packWeights(model: ModelJson): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  const pack = (part: { weights: ArrayLike<number>; biases: ArrayLike<number> }) => {
    const weights = Float64Array.from(part.weights);
    const biases = Float64Array.from(part.biases);
    (part as { weights: unknown }).weights = weights;
    (part as { biases: unknown }).biases = biases;
    buffers.push(weights.buffer, biases.buffer);
  };
  if (model.kind === 'mlp') model.layers.forEach(pack);
  if (model.kind === 'cnn') {
    model.convolutions.forEach(pack);
    model.dense.forEach(pack);
  }
  return buffers;
}

/**
 * Leaves a packed model's schema out of its reply when it is the training set's own (the same
 * object, as trainers keep it): the pool, which sent that schema, puts its own back. Adult's 108
 * columns cost ~10 µs of structured-clone encoding in the worker and ~20 µs of decoding in the
 * pool's thread a reply, on the core the other worker trains on: a logistic shadow is ~3.5 ms.
 */
export function omitTrainingSchema(model: ModelJson, schema: FeatureSchema): boolean {
  if (model.schema !== schema) return false;
  delete (model as { schema?: FeatureSchema }).schema;
  return true;
}

/** `values` in shared memory: a message carries a handle, not a copy made by the sender and another by the receiver. */
export function inSharedMemory(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Float64Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

const sharedCopies = new WeakMap<Float64Array | Int32Array, Float64Array | Int32Array>();

const sharedKeys = new WeakMap<Float64Array, number>();
let nextSharedKey = 1;

/** A number naming a shared array in this process (the same array, the same number; another, another). */
export function sharedKey(values: Float64Array): number {
  let key = sharedKeys.get(values);
  if (key === undefined) sharedKeys.set(values, (key = nextSharedKey++));
  return key;
}

/** `inSharedMemory`, once per array: rows sent with every request (the candidates each shadow model answers on, a selection's data sets) are copied once. */
export function sharedOnce<T extends Float64Array | Int32Array>(values: T): T {
  let copy = sharedCopies.get(values) as T | undefined;
  if (!copy) {
    if (values.buffer instanceof SharedArrayBuffer) copy = values;
    else {
      copy = (values instanceof Float64Array ? new Float64Array(new SharedArrayBuffer(values.byteLength)) : new Int32Array(new SharedArrayBuffer(values.byteLength))) as T;
      copy.set(values);
    }
    sharedCopies.set(values, copy);
  }
  return copy;
}

/** Whether a message's training set is named by rows (`SelectionMessage`). */
export function isSelectionMessage(data: DatasetMessage | SelectionMessage): data is SelectionMessage {
  return 'parts' in data;
}

/**
 * The worker's side of a selection's description (`SelectionMessage.like`): keeps a description
 * sent, drops the one the pool says to forget, and fills in `like` where only its key came. Called
 * on each request as it arrives, in the order sent, so that it holds what the pool believes it
 * holds.
 */
export function describeSelection(message: SelectionMessage, held: Map<number, DatasetDescription>): SelectionMessage & { like: DatasetDescription } {
  if (message.forget !== undefined) held.delete(message.forget);
  if (message.like) held.set(message.likeKey, message.like);
  const like = held.get(message.likeKey);
  if (!like) throw new ThreatlabError('internal', `a training set's description ${message.likeKey} was never sent to this worker`);
  return { ...message, like };
}

/**
 * A selection's data set over `into` (exactly its rows' room): its features the selected rows
 * (row after row, part after part), gathered into `into` when first read (math/selected-rows.ts:
 * a linear fit reads them where they lie and gathers nothing); its labels gathered now.
 */
export function datasetFromSelection(message: SelectionMessage & { like: DatasetDescription }, into: Float64Array): ClassificationDataset {
  const { cols, like } = message;
  const rows = message.parts.reduce((sum, part) => sum + part.rows.length, 0);
  if (into.length !== rows * cols) throw new ThreatlabError('internal', `a buffer of ${into.length} values for ${rows} × ${cols}`);
  const labels = new Int32Array(rows);
  let k = 0;
  for (const { labels: from, rows: picked } of message.parts) {
    for (let r = 0; r < picked.length; r++, k++) labels[k] = from[picked[r]];
  }
  const features = selectedRowsMatrix({ cols, parts: message.parts.map(({ features: source, rows: picked, key }) => ({ source, rows: picked, key })) }, into);
  return classificationDataset({ name: like.name, features, labels, classes: like.classes, schema: like.schema, targetName: like.targetName, image: like.image });
}

/** Rows (`features`, `labels`) of a data set described by `like`, packed. */
export function rowsToMessage(like: DatasetDescription, rows: number, cols: number, features: Float64Array, labels: Int32Array): DatasetMessage {
  return { name: like.name, rows, cols, features, labels, classes: [...like.classes], schema: like.schema, targetName: like.targetName, image: like.image };
}

/** Unpacks it. */
export function datasetFromMessage(message: DatasetMessage): ClassificationDataset {
  return classificationDataset({
    name: message.name,
    features: createMatrix(message.rows, message.cols, message.features),
    labels: message.labels,
    classes: message.classes,
    schema: message.schema,
    targetName: message.targetName,
    image: message.image,
  });
}

/** The argument a started pool gives its threads: make the backend and start onnxruntime before taking work. */
export const WARM_START = '--warm-start';
