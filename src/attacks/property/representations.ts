/**
 * What the property meta-classifier reads of a model.
 * - White-box (Ateniese et al. 2015): the parameters. A linear model's weights as they are; a
 *   tree's splits summarised per input column (treeRepresentation); an
 *   MLP's in a form that does not change when its hidden units are reordered (Ganju et al., CCS
 *   2018, "summarised per layer"): for each input of the first layer, the mean, spread, minimum
 *   and maximum of its weights over the hidden units, then each later layer's biases and unit
 *   weight norms, sorted.
 * - Black-box: the model's answers on a fixed set of probe rows (the positive class's probability,
 *   or for several classes every probability; a label-only model's labels as 0/1 indicators).
 */

import { CapabilityError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { DecisionTree } from '../../models/tree/decision-tree.ts';
import type { Model } from '../../models/types.ts';
import type { Answer } from '../../oracle/types.ts';

function summary(values: number[]): number[] {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const spread = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n);
  return [mean, spread, Math.min(...values), Math.max(...values)];
}

/** The permutation-invariant parameter vector of a model (linear models and MLPs). */
export function parameterRepresentation(model: Model): number[] {
  if (model instanceof LinearClassifier) return [...model.weights.data, ...model.biases];
  if (model instanceof Mlp) {
    const out: number[] = [];
    model.layers.forEach((layer, l) => {
      if (l === 0) {
        for (let i = 0; i < layer.inputs; i++) out.push(...summary(Array.from(layer.weights.subarray(i * layer.outputs, (i + 1) * layer.outputs))));
      }
      const norms = Array.from({ length: layer.outputs }, (_, j) => {
        let sum = 0;
        for (let i = 0; i < layer.inputs; i++) sum += layer.weights[i * layer.outputs + j] ** 2;
        return Math.sqrt(sum);
      });
      // The output layer's units are the classes, in a fixed order: kept in order; hidden units sorted.
      const last = l === model.layers.length - 1;
      out.push(...(last ? norms : norms.sort((a, b) => a - b)), ...(last ? Array.from(layer.biases) : Array.from(layer.biases).sort((a, b) => a - b)));
    });
    return out;
  }
  if (model instanceof DecisionTree) return treeRepresentation(model);
  throw new CapabilityError(`the parameter meta-classifier reads linear models, MLPs and trees; a ${model.kind} model is read through its answers (attack "outputs")`);
}

/**
 * A tree as a fixed-length vector whatever its shape: per input column, the share of splits on
 * it, the share of training rows that pass through those splits, and the mean share of those
 * rows sent left (at a split on the property's own column, the property's share among the rows
 * there); then the training class shares at the root.
 */
function treeRepresentation(tree: DecisionTree): number[] {
  const splits = new Float64Array(tree.inputSize);
  const through = new Float64Array(tree.inputSize);
  const left = new Float64Array(tree.inputSize);
  const rows = (id: number) => tree.nodes[id].counts.reduce((sum, count) => sum + count, 0);
  const total = rows(0) || 1;
  let splitCount = 0;
  for (const node of tree.nodes) {
    if (!node.split || node.left === undefined) continue;
    const column = node.split.feature;
    const here = rows(node.id);
    splits[column] += 1;
    through[column] += here / total;
    left[column] += here > 0 ? rows(node.left) / here : 0;
    splitCount++;
  }
  const out: number[] = [];
  for (let j = 0; j < tree.inputSize; j++) out.push(splits[j] / Math.max(1, splitCount), through[j], splits[j] > 0 ? left[j] / splits[j] : 0);
  out.push(...tree.nodes[0].counts.map((count) => count / total));
  return out;
}

/** Answers on the probe rows as one vector. */
export function outputRepresentation(answers: Answer[], classes: number): number[] {
  const out: number[] = [];
  for (const answer of answers) {
    switch (answer.kind) {
      case 'scores':
      case 'leaf':
        if (classes === 2) out.push(answer.probabilities[1]);
        else out.push(...answer.probabilities);
        break;
      case 'top-k': {
        const row = new Array<number>(classes).fill(0);
        for (const entry of answer.top) row[entry.label] = entry.probability;
        out.push(...(classes === 2 ? [row[1]] : row));
        break;
      }
      case 'label':
        if (classes === 2) out.push(answer.label);
        else out.push(...Array.from({ length: classes }, (_, k) => (k === answer.label ? 1 : 0)));
        break;
      case 'value':
        out.push(answer.value);
        break;
    }
  }
  return out;
}

/** Vectors as rows of a matrix (all the same length). */
export function stackVectors(vectors: number[][]): Matrix {
  const cols = vectors[0]?.length ?? 0;
  const out = createMatrix(vectors.length, cols);
  vectors.forEach((vector, i) => out.data.set(vector, i * cols));
  return out;
}
