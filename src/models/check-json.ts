/**
 * Structural checks of a model file beyond its zod shape, run before anything is built from it:
 * a model that passes answers every row with probabilities, in bounded time. Shapes must agree
 * with the feature schema, trees must be finite (every node reached exactly once from the root,
 * so a descent ends) with training rows at every node, convolutions must fit their image, and
 * networks must end in a softmax. A file that breaks any of these is refused with the place and
 * the reason, never served.
 */

import { ThreatlabError } from '../errors.ts';
import type { ModelJson } from './json.ts';
import type { DenseLayerJson } from './neural/dense-network.ts';
import type { TreeNode } from './tree/decision-tree.ts';

/** Encoded columns the schema describes (one-hot categories count one column per level). */
export function schemaWidth(json: ModelJson): number {
  let columns = 0;
  for (const feature of json.schema.features) columns += feature.kind === 'categorical' && feature.encoding === 'one-hot' ? feature.levels.length : 1;
  return columns;
}

/** Throws a validation error naming `source` and what is wrong, unless the file is sound. */
export function checkModelJson(json: ModelJson, source: string): void {
  const fail = (message: string) => new ThreatlabError('validation', `${source}: ${message}`);
  json.schema.features.forEach((feature, f) => {
    if (feature.kind === 'numeric' && !(Number.isFinite(feature.min) && Number.isFinite(feature.max) && feature.min <= feature.max)) {
      throw fail(`feature ${f} ("${feature.name}") has range [${feature.min}, ${feature.max}]; give finite bounds with min ≤ max`);
    }
    if (feature.kind === 'categorical' && feature.levels.length === 0) throw fail(`feature ${f} ("${feature.name}") has no levels`);
  });
  const width = schemaWidth(json);
  const columnsMatch = (columns: number, what: string) => {
    if (columns !== width) throw fail(`${what} takes ${columns} input columns but the schema describes ${width}; the schema must list every encoded column`);
  };
  switch (json.kind) {
    case 'logistic':
    case 'softmax':
    case 'ovr':
      json.weights.forEach((row, c) => columnsMatch(row.length, `weight row ${c}`));
      return;
    case 'linear':
      columnsMatch(json.weights.length, 'the weight vector');
      return;
    case 'kernel-logistic':
      if (!(json.gamma > 0)) throw fail(`gamma is ${json.gamma}; the RBF kernel needs gamma > 0`);
      json.centres.forEach((row, c) => columnsMatch(row.length, `centre ${c}`));
      return;
    case 'tree':
      checkTree(json.nodes, json.classes.length, width, fail);
      return;
    case 'mlp':
      checkDenseStack(json.layers, json.classes.length, fail);
      columnsMatch(json.layers[0].inputs, 'the first layer');
      return;
    case 'cnn': {
      let [height, width2, channels] = [json.image.height, json.image.width, json.image.channels];
      columnsMatch(height * width2 * channels, `a ${json.image.width}×${json.image.height}×${json.image.channels} image`);
      json.convolutions.forEach((block, b) => {
        if (block.kernelSize > height || block.kernelSize > width2) throw fail(`convolution ${b} has a ${block.kernelSize}×${block.kernelSize} kernel on a ${width2}×${height} input; the kernel must fit the image`);
        if (block.inputChannels !== channels) throw fail(`convolution ${b} takes ${block.inputChannels} channels, its input has ${channels}`);
        if (block.weights.length !== block.kernelSize ** 2 * block.inputChannels * block.filters || block.biases.length !== block.filters) {
          throw fail(`convolution ${b} has ${block.weights.length} weights and ${block.biases.length} biases; expected ${block.kernelSize ** 2 * block.inputChannels * block.filters} and ${block.filters}`);
        }
        [height, width2] = [Math.floor((height - block.kernelSize + 1) / 2), Math.floor((width2 - block.kernelSize + 1) / 2)];
        if (height < 1 || width2 < 1) throw fail(`convolution ${b} pools its input down to nothing; use a smaller kernel or fewer blocks`);
        channels = block.filters;
      });
      checkDenseStack(json.dense, json.classes.length, fail);
      if (json.dense[0].inputs !== height * width2 * channels) throw fail(`the first dense layer takes ${json.dense[0].inputs} inputs; the convolutions give ${height * width2 * channels}`);
      return;
    }
  }
}

/** Dense layers: weights sized inputs × outputs, each layer fed by the one before, ending in a softmax over the classes. */
function checkDenseStack(layers: DenseLayerJson[], classes: number, fail: (message: string) => Error): void {
  layers.forEach((layer, l) => {
    if (layer.weights.length !== layer.inputs * layer.outputs || layer.biases.length !== layer.outputs) {
      throw fail(`layer ${l} has ${layer.weights.length} weights and ${layer.biases.length} biases; a ${layer.inputs}→${layer.outputs} layer needs ${layer.inputs * layer.outputs} and ${layer.outputs}`);
    }
    if (l > 0 && layer.inputs !== layers[l - 1].outputs) throw fail(`layer ${l} takes ${layer.inputs} inputs but layer ${l - 1} gives ${layers[l - 1].outputs}`);
    if (l < layers.length - 1 && layer.activation === 'softmax') throw fail(`hidden layer ${l} uses softmax; only the output layer may`);
  });
  const last = layers[layers.length - 1];
  if (last.outputs !== classes) throw fail(`the output layer gives ${last.outputs} values for ${classes} classes`);
  if (last.activation !== 'softmax') throw fail(`the output layer uses "${last.activation}"; a classifier must end in softmax so that it answers probabilities`);
}

/** A tree: node ids in order, every node reached exactly once from the root, children only under splits, rows at every node. */
function checkTree(nodes: TreeNode[], classes: number, width: number, fail: (message: string) => Error): void {
  nodes.forEach((node, i) => {
    if (node.id !== i) throw fail(`node ${i} has id ${node.id}; ids must be the nodes' positions`);
    if (node.counts.length !== classes) throw fail(`node ${i} has ${node.counts.length} class counts for ${classes} classes`);
    if (!node.counts.every((count) => Number.isFinite(count)) || node.counts.reduce((a, b) => a + b, 0) <= 0) {
      throw fail(`node ${i} has class counts ${JSON.stringify(node.counts)}; every node needs a positive number of training rows`);
    }
    if (node.split) {
      if (node.left === undefined || node.right === undefined) throw fail(`node ${i} splits but lacks a child`);
      if (node.split.feature >= width) throw fail(`node ${i} splits on column ${node.split.feature}; the schema has ${width}`);
    } else if (node.left !== undefined || node.right !== undefined) {
      throw fail(`node ${i} is a leaf with children`);
    }
  });
  const reached = new Uint8Array(nodes.length);
  const stack = [0];
  reached[0] = 1;
  while (stack.length > 0) {
    const node = nodes[stack.pop()!];
    if (!node.split) continue;
    for (const child of [node.left!, node.right!]) {
      if (child >= nodes.length) throw fail(`node ${node.id} points to node ${child}; there are ${nodes.length}`);
      if (reached[child]) throw fail(`node ${child} is reached twice (from node ${node.id}); a tree has no cycles or shared nodes`);
      reached[child] = 1;
      stack.push(child);
    }
  }
  const orphan = reached.indexOf(0);
  if (orphan >= 0) throw fail(`node ${orphan} is not reachable from the root`);
}

/** Work to answer one row: multiply-adds for linear models and networks, steps for a tree. */
export function costPerRow(json: ModelJson): number {
  const denseCost = (layers: DenseLayerJson[]) => layers.reduce((sum, layer) => sum + layer.inputs * layer.outputs + layer.outputs, 0);
  switch (json.kind) {
    case 'logistic':
    case 'softmax':
    case 'ovr':
      return json.weights.reduce((sum, row) => sum + row.length + 1, 0);
    case 'linear':
      return json.weights.length + 1;
    case 'kernel-logistic':
      return json.centres.reduce((sum, row) => sum + row.length, 0) + json.coefficients.reduce((sum, row) => sum + row.length, 0);
    case 'tree':
      return json.nodes.reduce((max, node) => Math.max(max, node.depth), 0) + 1;
    case 'mlp':
      return denseCost(json.layers);
    case 'cnn': {
      let [height, width] = [json.image.height, json.image.width];
      let cost = 0;
      for (const block of json.convolutions) {
        cost += (height - block.kernelSize + 1) * (width - block.kernelSize + 1) * block.kernelSize ** 2 * block.inputChannels * block.filters;
        [height, width] = [Math.floor((height - block.kernelSize + 1) / 2), Math.floor((width - block.kernelSize + 1) / 2)];
      }
      return cost + denseCost(json.dense);
    }
  }
}
