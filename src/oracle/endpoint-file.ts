/**
 * The endpoint file: what a user says about a model behind their own endpoint, which the serving
 * protocols do not tell — its features (a threatlab feature schema), its classes in output
 * order, whether it answers probabilities or classes, and optionally its model family. A
 * threatlab model file (from `threatlab train` or tools/sklearn_to_threatlab.py) also serves:
 * its schema and classes are read from it.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ThreatlabError, ValidationError } from '../errors.ts';
import { featureSchemaJson } from '../models/json-schema.ts';
import type { EndpointOptions } from './endpoint-oracle.ts';

/** An endpoint file. */
export const endpointFile = z.object({
  schema: featureSchemaJson,
  classes: z.array(z.string()).min(2),
  reveals: z.enum(['scores', 'label']).default('scores'),
  kind: z.enum(['logistic', 'softmax', 'ovr', 'linear', 'kernel-logistic', 'tree', 'mlp', 'cnn', 'unknown']).default('unknown'),
});

/** What an endpoint file declares. */
export type EndpointFile = z.infer<typeof endpointFile>;

/** Reads an endpoint file (or a threatlab model file). */
export function readEndpointFile(path: string): Pick<EndpointOptions, 'schema' | 'classes' | 'reveals' | 'kind'> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ThreatlabError('file-not-found', `cannot read the endpoint file ${path}: ${(error as Error).message}; write {"schema": {"features": [...]}, "classes": [...]} (see threatlab schema --endpoint)`);
  }
  const parsed = endpointFile.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`${path} is not an endpoint file`, parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message })));
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
