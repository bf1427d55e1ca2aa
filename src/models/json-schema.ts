/**
 * Validation of serialised models (zod): a model file is checked against the schema of its
 * `kind` before anything is built from it, so a corrupted or wrong-kind file is a clear error
 * rather than a model that answers nonsense.
 */

import { z } from 'zod';
import { trainingProvenance } from './provenance.ts';

const finite = z.number().finite();

/** A feature schema as stored in model files. */
export const featureSchemaJson = z.object({
  features: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('numeric'), name: z.string(), min: z.number(), max: z.number() }),
      z.object({ kind: z.literal('categorical'), name: z.string(), levels: z.array(z.string()), encoding: z.enum(['one-hot', 'ordinal']) }),
    ]),
  ),
});

const common = {
  format: z.literal(1),
  schema: featureSchemaJson,
  params: z.record(z.string(), z.unknown()),
  /** How threatlab trained it (provenance.ts); absent in files made elsewhere. */
  training: trainingProvenance.optional(),
};

const linearClassifier = z.object({
  kind: z.enum(['logistic', 'softmax', 'ovr']),
  classes: z.array(z.string()).min(2),
  weights: z.array(z.array(finite)).min(1),
  biases: z.array(finite).min(1),
  ...common,
});

const linearRegression = z.object({
  kind: z.literal('linear'),
  targetName: z.string(),
  weights: z.array(finite),
  bias: finite,
  trainingRmse: finite,
  ...common,
});

const kernelLogistic = z.object({
  kind: z.literal('kernel-logistic'),
  classes: z.array(z.string()).min(2),
  gamma: finite,
  centres: z.array(z.array(finite)).min(1),
  coefficients: z.array(z.array(finite)).min(1),
  biases: z.array(finite).min(1),
  ...common,
});

const treeNode = z.object({
  id: z.number().int().min(0),
  depth: z.number().int().min(0),
  counts: z.array(z.number().min(0)),
  split: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('numeric'), feature: z.number().int().min(0), threshold: finite }),
      z.object({ kind: z.literal('categorical'), feature: z.number().int().min(0), left: z.array(z.number().int().min(0)) }),
    ])
    .optional(),
  left: z.number().int().min(0).optional(),
  right: z.number().int().min(0).optional(),
});

const tree = z.object({
  kind: z.literal('tree'),
  classes: z.array(z.string()).min(2),
  nodes: z.array(treeNode).min(1),
  ...common,
});

const denseLayer = z.object({
  inputs: z.number().int().min(1),
  outputs: z.number().int().min(1),
  weights: z.array(finite),
  biases: z.array(finite),
  activation: z.enum(['tanh', 'sigmoid', 'relu', 'linear', 'softmax']),
});

const mlp = z.object({
  kind: z.literal('mlp'),
  classes: z.array(z.string()).min(2),
  layers: z.array(denseLayer).min(1),
  ...common,
});

const cnn = z.object({
  kind: z.literal('cnn'),
  classes: z.array(z.string()).min(2),
  image: z.object({ width: z.number().int().min(1), height: z.number().int().min(1), channels: z.number().int().min(1) }),
  convolutions: z
    .array(z.object({ kernelSize: z.number().int().min(1), inputChannels: z.number().int().min(1), filters: z.number().int().min(1), weights: z.array(finite), biases: z.array(finite) }))
    .min(1),
  dense: z.array(denseLayer).min(1),
  ...common,
});

/** Any model file, checked by kind. */
export const modelJson = z.discriminatedUnion('kind', [linearClassifier, linearRegression, kernelLogistic, tree, mlp, cnn]);
