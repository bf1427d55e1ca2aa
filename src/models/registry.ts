/**
 * Model kinds by name: trainers from a kind and parameters, fitted models from their JSON form
 * (validated before anything is built), and model files on disk.
 */

import { MODEL_KINDS } from './kinds.ts';
import { writeFileSync } from 'node:fs';
import { ThreatlabError, ValidationError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';
import { readNonEmptyFile } from '../data/loaders/files.ts';
import type { Progress } from '../progress.ts';
import { checkModelJson, schemaWidth } from './check-json.ts';
import { modelJson } from './json-schema.ts';
import type { ModelJson } from './json.ts';
import { KernelLogistic, KernelLogisticTrainer } from './kernel/kernel-logistic.ts';
import { LinearClassifier } from './linear/linear-classifier.ts';
import { LinearRegression, LinearRegressionTrainer } from './linear/linear-regression.ts';
import { LinearClassifierTrainer } from './linear/trainers.ts';
import { layerFromJson } from './neural/dense-network.ts';
import { Cnn, CnnTrainer } from './neural/cnn.ts';
import { loadLayersModel } from './neural/layers-format.ts';
import { Mlp, MlpTrainer } from './neural/mlp.ts';
import { DecisionTree } from './tree/decision-tree.ts';
import { DecisionTreeTrainer } from './tree/cart.ts';
import type { Model, TrainerKind, Trainer } from './types.ts';
import { NaiveBayesTrainer } from './linear/naive-bayes.ts';
import { provenanceOf, type TrainingProvenance } from './provenance.ts';
import { plainIssues } from '../zod-issues.ts';

export { MODEL_KINDS } from './kinds.ts';

/**
 * Why a data set's missing values are refused for a model `kind`, as the CSV loaders name it
 * (`refuseMissing`): every kind but the tree needs every value (a tree's
 * row with a missing value stops at the node that splits on it and answers from there,
 * decision-tree.ts); undefined for a tree.
 */
export function missingValuesRefusal(kind: string): string | undefined {
  return kind === 'tree' ? undefined : `model "${kind}" needs every value`;
}

/** A trainer for `kind` with validated parameters. */
export function createTrainer(kind: string, params: Record<string, unknown> = {}, progress?: Progress): Trainer {
  switch (kind as TrainerKind) {
    case 'logistic':
    case 'softmax':
    case 'ovr':
      return new LinearClassifierTrainer(kind as 'logistic' | 'softmax' | 'ovr', params, progress);
    case 'naive-bayes':
      return new NaiveBayesTrainer(params);
    case 'linear':
      return new LinearRegressionTrainer(params);
    case 'kernel-logistic':
      return new KernelLogisticTrainer(params, progress);
    case 'tree':
      return new DecisionTreeTrainer(params, progress);
    case 'mlp':
      return new MlpTrainer(params, progress);
    case 'cnn':
      return new CnnTrainer(params, progress);
    default:
      throw new ValidationError('unknown model kind', [{ path: 'model', message: `"${kind}"; known: ${Object.keys(MODEL_KINDS).join(', ')}` }]);
  }
}

function rowsToMatrix(rows: readonly ArrayLike<number>[], what: string): ReturnType<typeof createMatrix> {
  const cols = rows[0]?.length ?? 0;
  if (rows.some((row) => row.length !== cols)) throw new ThreatlabError('validation', `model file: ${what} rows differ in length`);
  const matrix = createMatrix(rows.length, cols);
  rows.forEach((row, i) => matrix.data.set(row, i * cols));
  return matrix;
}

/** Builds a fitted model from its JSON form; `source` names it in errors. */
export function modelFromJson(value: unknown, source = 'model'): Model {
  const parsed = modelJson.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `${source} is not a threatlab model file (or is corrupted)`,
      plainIssues(parsed.error, '(root)'),
    );
  }
  const json = parsed.data as ModelJson;
  checkModelJson(json, source);
  return modelFromOwnJson(json, source);
}

/**
 * Builds a fitted model from the JSON form a model of this process has just written (`toJSON()`,
 * or its copy from a worker thread of this process): the same model as `modelFromJson` gives,
 * without validating what this code wrote (a Fashion-MNIST MLP's 100k weights took ~6 ms of zod
 * per shadow model). Anything read from a file, a request or another machine goes through
 * `modelFromJson`.
 */
export function modelFromOwnJson(json: ModelJson, source = 'model'): Model {
  const fail = (message: string) => new ThreatlabError('validation', `${source}: ${message}; the file is corrupted`);
  switch (json.kind) {
    case 'logistic':
    case 'softmax':
    case 'ovr': {
      const weights = rowsToMatrix(json.weights, 'weight');
      const scores = json.kind === 'logistic' ? 1 : json.classes.length;
      if (weights.rows !== scores || json.biases.length !== scores) throw fail(`expected ${scores} weight rows and biases`);
      return new LinearClassifier({ kind: json.kind, classes: json.classes, schema: json.schema, weights, biases: Float64Array.from(json.biases), params: json.params });
    }
    case 'linear':
      return new LinearRegression({ schema: json.schema, targetName: json.targetName, weights: Float64Array.from(json.weights), bias: json.bias, trainingRmse: json.trainingRmse, params: json.params });
    case 'kernel-logistic': {
      const centres = rowsToMatrix(json.centres, 'centre');
      const coefficients = rowsToMatrix(json.coefficients, 'coefficient');
      if (coefficients.rows !== json.classes.length || coefficients.cols !== centres.rows) throw fail('coefficients do not match classes × centres');
      return new KernelLogistic({ classes: json.classes, schema: json.schema, gamma: json.gamma, centres, coefficients, biases: Float64Array.from(json.biases), params: json.params });
    }
    case 'tree':
      return new DecisionTree({ classes: json.classes, schema: json.schema, inputSize: schemaWidth(json), nodes: json.nodes, params: json.params });
    case 'mlp': {
      return new Mlp({ classes: json.classes, schema: json.schema, layers: json.layers.map(layerFromJson), params: json.params });
    }
    case 'cnn': {
      const convolutions = json.convolutions.map((block) => ({ ...block, weights: Float64Array.from(block.weights), biases: Float64Array.from(block.biases) }));
      return new Cnn({ classes: json.classes, schema: json.schema, image: json.image, convolutions, dense: json.dense.map(layerFromJson), params: json.params });
    }
  }
}

/** Reads a model file. */
export function loadModelFile(path: string): Model {
  return modelFromJson(readJsonFile(path), path);
}

/** Reads a model file (threatlab JSON or tfjs) with the provenance `threatlab train` recorded in it, if any. */
export async function loadModelWithProvenance(path: string): Promise<{ model: Model; training?: TrainingProvenance }> {
  const value = readJsonFile(path);
  if (value && typeof value === 'object' && 'modelTopology' in value) return { model: await loadLayersModel(path) };
  return { model: modelFromJson(value, path), training: provenanceOf(value) };
}

/** The trainer that made a model: its kind, or naive Bayes for the softmax form naive Bayes saves. */
export function trainerKindOf(model: Model): TrainerKind {
  return (model as { params?: Record<string, unknown> }).params?.fittedBy === 'naive-bayes' ? 'naive-bayes' : model.kind;
}

/**
 * The training parameters of a fitted model that its trainer accepts: bookkeeping a fit adds
 * (epochs run, best epoch, source) is dropped, and an MLP's architecture is read from its layers
 * (a tfjs model's file names no hidden sizes).
 */
export function trainerParamsOf(model: Model): Record<string, unknown> {
  const declared = Object.keys(createTrainer(trainerKindOf(model), {}).params);
  const params = Object.fromEntries(Object.entries((model as { params?: Record<string, unknown> }).params ?? {}).filter(([name]) => declared.includes(name)));
  if (model instanceof Mlp) {
    params.hidden = model.layers.slice(0, -1).map((layer) => layer.outputs).join(',');
    const activation = model.layers[0].activation;
    if (model.layers.length > 1 && (activation === 'relu' || activation === 'tanh' || activation === 'sigmoid')) params.activation = activation;
  }
  // A file saying standardize=true was scaled (since 2026-12-06 an MLP's or a linear model's file records what was done; before, every one so made was, inputs in [0, 1] too): its shadows are scaled whatever their rows.
  if (params.standardize === true && declared.includes('standardizeUnitInputs')) params.standardizeUnitInputs = true;
  if (Array.isArray(params.hidden)) params.hidden = params.hidden.join(',');
  if (Array.isArray(params.filters)) params.filters = params.filters.join(',');
  return params;
}

function readJsonFile(path: string): unknown {
  const text = readNonEmptyFile(path, 'model file').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ThreatlabError('parse-error', `${path} is not valid JSON (${(error as Error).message}); give a model file written by threatlab train`, { cause: error });
  }
}

/**
 * Reads a threatlab model file or a tfjs LayersModel `model.json` (recognised by its
 * `modelTopology`), so a user's own tfjs classifier can be queried and attacked.
 */
export async function loadAnyModel(path: string): Promise<Model> {
  const value = readJsonFile(path);
  if (value && typeof value === 'object' && 'modelTopology' in value) return loadLayersModel(path);
  return modelFromJson(value, path);
}

/** Writes a model file, with how it was trained when threatlab trained it. */
export function saveModelFile(model: Model, path: string, training?: TrainingProvenance): void {
  writeFileSync(path, JSON.stringify(training ? { ...model.toJSON(), training } : model.toJSON()));
}
