/** Messages between the training pool and its workers (structured-clone friendly). */

import { classificationDataset, type ClassificationDataset, type ImageShape } from '../data/dataset.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { createMatrix } from '../math/matrix.ts';
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

/** Fit one model. */
export interface TrainingRequest {
  id: number;
  kind: string;
  params: Record<string, unknown>;
  seed: number;
  data: DatasetMessage;
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

/** `values` in shared memory: a message carries a handle, not a copy made by the sender and another by the receiver. */
export function inSharedMemory(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Float64Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

const sharedCopies = new WeakMap<Float64Array, Float64Array>();

/** `inSharedMemory`, once per array: rows sent with every request (the candidates each shadow model answers on) are copied once. */
export function sharedOnce(values: Float64Array): Float64Array {
  let copy = sharedCopies.get(values);
  if (!copy) sharedCopies.set(values, (copy = inSharedMemory(values)));
  return copy;
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
