/**
 * A fitted model's float parameters as arrays of its JSON form, weights first in the order the
 * networks' trainers penalise them (dense layers input-major; convolutions before dense layers),
 * then biases. White-box malicious training (Song et al., CCS 2017) hides data in exactly these
 * numbers; the parameter defences (low-bit zeroing, weight noise) rewrite them.
 */

import { CapabilityError } from '../errors.ts';
import type { ModelJson } from './json.ts';
import { modelFromJson } from './registry.ts';
import type { Model } from './types.ts';

/** References to the numeric arrays of a model's JSON (editing them edits the JSON). */
export interface ParameterArrays {
  weights: number[][];
  biases: number[][];
}

/** The weight and bias arrays of a model's JSON form. */
export function parameterArrays(json: ModelJson): ParameterArrays {
  switch (json.kind) {
    case 'mlp':
      return { weights: json.layers.map((layer) => layer.weights), biases: json.layers.map((layer) => layer.biases) };
    case 'cnn':
      return {
        weights: [...json.convolutions.map((block) => block.weights), ...json.dense.map((layer) => layer.weights)],
        biases: [...json.convolutions.map((block) => block.biases), ...json.dense.map((layer) => layer.biases)],
      };
    case 'logistic':
    case 'softmax':
    case 'ovr':
      return { weights: json.weights, biases: [json.biases] };
    case 'linear':
      return { weights: [json.weights], biases: [] };
    case 'kernel-logistic':
      return { weights: json.coefficients, biases: [json.biases] };
    case 'tree':
      throw new CapabilityError('a decision tree has no weights to read or rewrite; hide data in it by capacity abuse (extra training rows), which needs only its answers');
  }
}

/** All weights, concatenated in order. */
export function weightVector(model: Model): Float64Array {
  const arrays = parameterArrays(model.toJSON()).weights;
  const out = new Float64Array(arrays.reduce((sum, array) => sum + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    out.set(array, offset);
    offset += array.length;
  }
  return out;
}

/** Number of weights and biases. */
export function parameterCount(model: Model): { weights: number; biases: number } {
  const arrays = parameterArrays(model.toJSON());
  const count = (list: number[][]) => list.reduce((sum, array) => sum + array.length, 0);
  return { weights: count(arrays.weights), biases: count(arrays.biases) };
}

/** A copy of `model` whose parameters `edit` rewrote in place (the copy is validated like a loaded file). */
export function withParameters(model: Model, edit: (arrays: ParameterArrays) => void): Model {
  const json = structuredClone(model.toJSON());
  edit(parameterArrays(json));
  return modelFromJson(json, `${model.kind} model with rewritten parameters`);
}
