/**
 * The TensorFlow.js LayersModel format (`model.json` + binary weight files), so that a user's
 * own tfjs classifier can be a target and our MLPs can be used from tfjs. A sequential stack of
 * Dense layers (with InputLayer / Flatten / Dropout, which change nothing at inference) is
 * supported; a final linear layer is read as logits and answered through a softmax.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initBackend } from '../../backend/setup.ts';
import { tf } from '../../backend/tf.ts';
import { readNonEmptyFile } from '../../data/loaders/files.ts';
import { uniformNumericSchema, type FeatureSchema } from '../../data/schema.ts';
import { ThreatlabError } from '../../errors.ts';
import { checkModelJson } from '../check-json.ts';
import { featureSchemaJson } from '../json-schema.ts';
import type { Activation, DenseLayer } from './dense-network.ts';
import { Mlp } from './mlp.ts';

const SUPPORTED: Record<string, Activation> = { tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu', linear: 'linear', softmax: 'softmax' };
const PASS_THROUGH = new Set(['InputLayer', 'Flatten', 'Dropout']);

/** Writes an MLP as `model.json` and `weights.bin` in `folder`. */
export async function saveLayersModel(model: Mlp, folder: string): Promise<void> {
  await initBackend();
  mkdirSync(folder, { recursive: true });
  const network = tf.sequential();
  model.layers.forEach((layer, l) => {
    network.add(tf.layers.dense({ units: layer.outputs, activation: layer.activation, inputShape: l === 0 ? [layer.inputs] : undefined }));
  });
  model.layers.forEach((layer, l) => {
    network.layers[l].setWeights([tf.tensor2d(Float32Array.from(layer.weights), [layer.inputs, layer.outputs]), tf.tensor1d(Float32Array.from(layer.biases))]);
  });
  await network.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
      writeFileSync(join(folder, 'weights.bin'), Buffer.from(buffer));
      const manifest = {
        format: 'layers-model',
        generatedBy: 'threatlab',
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { classes: model.classes, schema: model.schema },
      };
      writeFileSync(join(folder, 'model.json'), JSON.stringify(manifest));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  network.dispose();
}

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads a LayersModel (`model.json` path) as an MLP classifier. */
export async function loadLayersModel(modelJsonPath: string, options: { classes?: string[]; schema?: FeatureSchema } = {}): Promise<Mlp> {
  await initBackend();
  let manifest: { modelTopology?: unknown; weightsManifest?: WeightsManifestGroup[]; userDefinedMetadata?: { classes?: string[]; schema?: FeatureSchema } };
  try {
    manifest = JSON.parse(readNonEmptyFile(modelJsonPath, 'tfjs model.json').toString('utf8'));
  } catch (error) {
    if (error instanceof ThreatlabError) throw error;
    throw new ThreatlabError('parse-error', `${modelJsonPath} is not valid JSON; give a tfjs LayersModel model.json`);
  }
  if (!manifest.modelTopology || !Array.isArray(manifest.weightsManifest)) {
    throw new ThreatlabError('validation', `${modelJsonPath} is not a tfjs LayersModel (no modelTopology or weightsManifest)`);
  }
  const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
  const buffers = manifest.weightsManifest.flatMap((group) => group.paths.map((path) => readFileSync(join(dirname(modelJsonPath), path))));
  const weightData = tf.io.concatenateArrayBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer));
  let network: tf.LayersModel;
  try {
    network = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData }));
  } catch (error) {
    throw new ThreatlabError('validation', `${modelJsonPath}: tfjs could not load the model (${(error as Error).message})`, { cause: error });
  }
  const layers: DenseLayer[] = [];
  for (const layer of network.layers) {
    const className = layer.getClassName();
    if (PASS_THROUGH.has(className)) continue;
    if (className !== 'Dense') {
      network.dispose();
      throw new ThreatlabError('validation', `${modelJsonPath}: layer "${layer.name}" is a ${className}; only Dense stacks load as threatlab MLPs`);
    }
    const config = layer.getConfig() as { activation?: string; useBias?: boolean };
    const activation = SUPPORTED[config.activation ?? 'linear'];
    if (!activation) {
      network.dispose();
      throw new ThreatlabError('validation', `${modelJsonPath}: layer "${layer.name}" uses activation "${config.activation}"; supported: ${Object.keys(SUPPORTED).join(', ')}`);
    }
    const [kernel, bias] = layer.getWeights();
    const [inputs, outputs] = kernel.shape;
    layers.push({ inputs, outputs, weights: Float64Array.from(kernel.dataSync()), biases: bias ? Float64Array.from(bias.dataSync()) : new Float64Array(outputs), activation });
  }
  network.dispose();
  if (layers.length === 0) throw new ThreatlabError('validation', `${modelJsonPath}: the model has no Dense layer`);
  const last = layers[layers.length - 1];
  if (last.activation === 'linear') last.activation = 'softmax';
  if (last.activation !== 'softmax') {
    throw new ThreatlabError('validation', `${modelJsonPath}: the output layer uses "${last.activation}"; a classifier ends in softmax (or linear logits)`);
  }
  const classes = options.classes ?? manifest.userDefinedMetadata?.classes ?? Array.from({ length: last.outputs }, (_, c) => String(c));
  if (classes.length !== last.outputs) {
    throw new ThreatlabError('validation', `${modelJsonPath}: ${classes.length} class names for ${last.outputs} outputs`);
  }
  // A schema saved by threatlab (feature names, ranges) is used when it is sound; else x0… on [0, 1].
  const saved = featureSchemaJson.safeParse(manifest.userDefinedMetadata?.schema);
  const mlp = new Mlp({ classes, schema: options.schema ?? (saved.success ? saved.data : undefined) ?? uniformNumericSchema(layers[0].inputs, 'x', 0, 1), layers, params: { source: 'tfjs-layers' } });
  checkModelJson(mlp.toJSON(), modelJsonPath);
  return mlp;
}
