/**
 * What a server needs to know of a model without holding it parsed: its kind and task, feature
 * schema, input width, classes, and the work of answering one row. Computed once when the model
 * is stored, so listing, describing and pricing a model never parses a large file.
 */

import type { FeatureSchema } from '../data/schema.ts';
import { costPerRow } from './check-json.ts';
import type { NetworkArchitecture } from '../oracle/types.ts';
import { Mlp } from './neural/mlp.ts';
import type { Model, ModelKind } from './types.ts';

/** A stored model's description. */
export interface ModelSummary {
  kind: ModelKind;
  task: 'classification' | 'regression';
  schema: FeatureSchema;
  inputSize: number;
  /** Class names in output order; empty for a regressor. */
  classes: string[];
  /** Multiply-adds (or tree steps) to answer one row: rows × this is a request's compute. */
  costPerRow: number;
  /** An MLP's hidden widths and activation (what MLaaS services show of a network). */
  architecture?: NetworkArchitecture;
}

/** The hidden layers of an MLP, or undefined for other models. */
export function architectureOf(model: Model): NetworkArchitecture | undefined {
  if (!(model instanceof Mlp) || model.layers.length < 2) return undefined;
  return { hidden: model.layers.slice(0, -1).map((layer) => layer.outputs), activation: model.layers[0].activation };
}

/** The summary of a fitted model. */
export function summarizeModel(model: Model): ModelSummary {
  return {
    kind: model.kind,
    task: model.task,
    schema: model.schema,
    inputSize: model.inputSize,
    classes: model.task === 'classification' ? [...model.classes] : [],
    costPerRow: costPerRow(model.toJSON()),
    architecture: architectureOf(model),
  };
}
