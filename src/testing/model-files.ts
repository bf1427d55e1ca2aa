/** Model files for API tests: sound ones of every served kind, built without training. */

import type { ModelJson } from '../models/json.ts';
import { Rng } from '../random.ts';

/** A dense network file (`inputs`-…-`classes`, relu hidden layers, softmax output) with seeded weights. */
export function mlpFile(widths: number[], seed = 1): ModelJson {
  const rng = new Rng(seed);
  const layers = widths.slice(1).map((outputs, l) => {
    const inputs = widths[l];
    return {
      inputs,
      outputs,
      weights: Array.from({ length: inputs * outputs }, () => (rng.uniform() - 0.5) / Math.sqrt(inputs)),
      biases: Array.from({ length: outputs }, () => 0),
      activation: (l === widths.length - 2 ? 'softmax' : 'relu') as 'softmax' | 'relu',
    };
  });
  const classes = widths[widths.length - 1];
  return {
    kind: 'mlp',
    format: 1,
    classes: Array.from({ length: classes }, (_, c) => `c${c}`),
    schema: { features: Array.from({ length: widths[0] }, (_, j) => ({ kind: 'numeric' as const, name: `x${j}`, min: 0, max: 1 })) },
    layers,
    params: {},
  };
}

/** A depth-1 tree file over two numeric features. */
export function treeFile(): ModelJson {
  return {
    kind: 'tree',
    format: 1,
    classes: ['a', 'b'],
    schema: { features: [{ kind: 'numeric', name: 'x0', min: 0, max: 1 }, { kind: 'numeric', name: 'x1', min: 0, max: 1 }] },
    nodes: [
      { id: 0, depth: 0, counts: [5, 5], split: { kind: 'numeric', feature: 0, threshold: 0.5 }, left: 1, right: 2 },
      { id: 1, depth: 1, counts: [5, 0] },
      { id: 2, depth: 1, counts: [0, 5] },
    ],
    params: {},
  };
}

/** A CNN file on 6×6 grey images: one 3×3 block of 2 filters, then a dense softmax. */
export function cnnFile(): ModelJson {
  const rng = new Rng(3);
  const values = (n: number) => Array.from({ length: n }, () => rng.uniform() - 0.5);
  return {
    kind: 'cnn',
    format: 1,
    classes: ['a', 'b'],
    schema: { features: Array.from({ length: 36 }, (_, j) => ({ kind: 'numeric' as const, name: `p${j}`, min: 0, max: 1 })) },
    image: { width: 6, height: 6, channels: 1 },
    convolutions: [{ kernelSize: 3, inputChannels: 1, filters: 2, weights: values(18), biases: values(2) }],
    dense: [{ inputs: 8, outputs: 2, weights: values(16), biases: values(2), activation: 'softmax' }],
    params: {},
  };
}
