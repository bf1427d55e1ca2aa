import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMatrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { applyLayer, type Activation, type DenseLayer } from './dense-network.ts';

test('a large layer call runs in WebAssembly and gives the same bits as the scalar loop (zeros, −0, NaN inputs; odd widths; every activation; rows past one chunk)', () => {
  const rng = new Rng(3);
  for (const [rows, inputs, outputs] of [[2000, 97, 7], [70, 784, 128], [1400, 1000, 3]]) {
    const x = createMatrix(rows, inputs);
    for (let k = 0; k < x.data.length; k++) {
      const u = rng.uniform();
      x.data[k] = u < 0.4 ? 0 : u < 0.41 ? -0 : rng.normal();
    }
    x.data[5] = NaN;
    for (const activation of ['tanh', 'sigmoid', 'relu', 'linear', 'softmax'] as Activation[]) {
      const layer: DenseLayer = {
        inputs,
        outputs,
        weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal() / Math.sqrt(inputs)),
        biases: Float64Array.from({ length: outputs }, () => rng.normal()),
        activation,
      };
      const fast = applyLayer(layer, x);
      const loop = applyLayer(layer, x, 'js');
      for (let k = 0; k < loop.data.length; k++) assert.ok(Object.is(fast.data[k], loop.data[k]), `${rows}×${inputs}→${outputs} ${activation} [${k}]: ${fast.data[k]} vs ${loop.data[k]}`);
    }
  }
});
