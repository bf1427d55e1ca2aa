/**
 * The model description (`--schema FILE`): what a user says about a model that does not say it
 * itself — one behind their own endpoint (KServe v1, Open Inference Protocol), an ONNX file, a
 * tfjs model: its features (a threatlab feature schema: names, numeric ranges, categorical
 * levels and their encoding), its classes in output order, whether it answers probabilities or
 * classes, whether an ONNX output is probabilities or logits, and optionally its model family.
 * A threatlab model file (from `threatlab train` or tools/sklearn_to_threatlab.py) also serves:
 * its schema and classes are read from it. `threatlab schema --description` prints the JSON Schema.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ThreatlabError, ValidationError } from '../errors.ts';
import { featureSchemaJson } from '../models/json-schema.ts';
import type { EndpointOptions } from './endpoint-oracle.ts';
import { plainIssues } from '../zod-issues.ts';

/** A model description. */
export const modelDescription = z.object({
  schema: featureSchemaJson,
  classes: z.array(z.string()).min(2),
  /** What an endpoint answers: probabilities (`scores`) or classes (`label`). */
  reveals: z.enum(['scores', 'label']).default('scores'),
  /** What an ONNX model's output holds: probabilities, or logits (answered through a softmax). */
  output: z.enum(['probabilities', 'logits']).default('probabilities'),
  kind: z.enum(['logistic', 'softmax', 'ovr', 'linear', 'kernel-logistic', 'tree', 'mlp', 'cnn', 'unknown']).default('unknown'),
  /** Image models: the input's width × height × channels. */
  image: z.object({ width: z.number().int().min(1), height: z.number().int().min(1), channels: z.number().int().min(1) }).optional(),
});

/** What a model description declares. */
export type ModelDescription = z.infer<typeof modelDescription>;

/** Reads a model description (or a threatlab model file). */
export function readModelDescription(path: string): ModelDescription & Pick<EndpointOptions, 'schema' | 'classes'> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ThreatlabError('file-not-found', `cannot read the model description ${path}: ${(error as Error).message}; write {"schema": {"features": [...]}, "classes": [...]} (threatlab schema --description prints its JSON Schema)`);
  }
  const parsed = modelDescription.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`${path} is not a model description`, plainIssues(parsed.error, '(root)'));
  }
  return parsed.data;
}

/** `Name: value` header arguments as a header object. */
export function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    if (colon <= 0) throw new ThreatlabError('usage', `--header "${value}": write Name: value, e.g. --header 'Authorization: Bearer TOKEN'`);
    headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  }
  return headers;
}
