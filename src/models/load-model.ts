/**
 * Loads a user's model file whatever made it: threatlab JSON (from `threatlab train` or
 * tools/sklearn_to_threatlab.py; with its training provenance), a tfjs LayersModel `model.json`,
 * or an ONNX file (converted to a threatlab network when its ops allow; onnx-convert.ts). A
 * model description (`--schema FILE`) gives what the file does not say: features and classes.
 */

import { ThreatlabError } from '../errors.ts';
import type { ModelDescription } from '../oracle/model-description.ts';
import { loadLayersModel } from './neural/layers-format.ts';
import { convertOnnx } from './onnx/onnx-convert.ts';
import type { TrainingProvenance } from './provenance.ts';
import { loadModelWithProvenance } from './registry.ts';
import type { Model } from './types.ts';

/** Whether a path names an ONNX file. */
export function isOnnxPath(path: string): boolean {
  return /\.onnx$/i.test(path);
}

/** A model file of any supported format as a threatlab model. */
export async function loadUserModel(path: string, description?: ModelDescription): Promise<{ model: Model; training?: TrainingProvenance }> {
  if (isOnnxPath(path)) {
    if (!description) throw new ThreatlabError('usage', `an ONNX file does not say its features or classes: give --schema FILE (threatlab schema --description prints the format)`);
    return { model: convertOnnx(path, description) };
  }
  const loaded = await loadModelWithProvenance(path);
  if (description && loaded.model.kind === 'mlp' && (loaded.model as unknown as { params: Record<string, unknown> }).params.source === 'tfjs-layers') {
    return { model: await loadLayersModel(path, { classes: description.classes, schema: description.schema }) };
  }
  return loaded;
}
