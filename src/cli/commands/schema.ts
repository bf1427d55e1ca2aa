/**
 * `threatlab schema`: the JSON Schema of threatlab's model file (generated from the zod schema
 * the loader validates with, so the two cannot drift), or of a model description (`--description`:
 * the features and classes of an endpoint, ONNX or tfjs model). `threatlab convert`: any
 * supported model file (threatlab JSON, tfjs, ONNX) to a checked threatlab model file.
 */

import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { loadUserModel } from '../../models/load-model.ts';
import { modelJson } from '../../models/json-schema.ts';
import { modelDescription, readModelDescription } from '../../oracle/model-description.ts';
import { printResult, refuseOutOverInput, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab schema`. */
export interface SchemaOptions extends CommonOptions {
  description?: boolean;
}

/** Prints a JSON Schema. */
export function runSchema(io: CliIo, options: SchemaOptions): void {
  const schema = z.toJSONSchema(options.description ? modelDescription : modelJson, { unrepresentable: 'any', io: 'input' });
  const titled = {
    ...schema,
    title: options.description ? 'threatlab model description' : 'threatlab model file',
    description: options.description
      ? 'What a model that does not say it itself takes and answers: features (numeric with a range, categorical with levels and encoding), classes in output order, probabilities or classes, ONNX output probabilities or logits, image shape.'
      : 'A fitted model as threatlab train, threatlab convert and tools/sklearn_to_threatlab.py write it; every number finite, shapes matching the schema, trees acyclic, networks ending in softmax.',
  };
  io.stdout(`${JSON.stringify(titled, null, 2)}\n`);
}

/** Options of `threatlab convert`. */
export interface ConvertOptions extends CommonOptions {
  schema?: string;
  out: string;
}

/** Converts a model file to threatlab's format. */
export async function runConvert(io: CliIo, path: string, options: ConvertOptions): Promise<void> {
  refuseOutOverInput(options.out, { model: path, '--schema': options.schema });
  const description = options.schema ? readModelDescription(options.schema) : undefined;
  const { model } = await loadUserModel(path, description);
  writeFileSync(options.out, JSON.stringify(model.toJSON()));
  const result = { from: path, kind: model.kind, inputs: model.inputSize, features: model.schema.features.length, classes: model.task === 'classification' ? [...model.classes] : [], out: options.out };
  printResult(io, options, result, () => `converted ${path} to a threatlab ${model.kind} model (${result.inputs} input columns, ${result.classes.length} classes): ${options.out}`);
}
