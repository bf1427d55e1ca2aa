import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { forward, type DenseLayer } from '../../models/neural/dense-network.ts';
import { Rng } from '../../random.ts';
import { fitNetworkToProbabilities, fitObjective } from './network-fit.ts';

function randomRows(rows: number, cols: number, rng: Rng) {
  return createMatrix(rows, cols, Float64Array.from({ length: rows * cols }, () => 2 * rng.uniform() - 1));
}

function randomNetwork(sizes: number[], activation: DenseLayer['activation'], rng: Rng): DenseLayer[] {
  return sizes.slice(1).map((outputs, l) => ({
    inputs: sizes[l],
    outputs,
    weights: Float64Array.from({ length: sizes[l] * outputs }, () => rng.normal() * 1.2),
    biases: Float64Array.from({ length: outputs }, () => rng.normal() * 0.3),
    activation: l === sizes.length - 2 ? 'softmax' : activation,
  }));
}

test('the fit objective: its gradient matches central differences (every loss and activation)', () => {
  const rng = new Rng(11);
  const x = randomRows(12, 4, rng);
  x.data[3] = 0; // zeros are skipped in both passes
  for (const hiddenActivation of ['tanh', 'sigmoid', 'relu'] as const) {
    for (const loss of ['logit', 'interval', 'cross-entropy'] as const) {
      const exact = forward(randomNetwork([4, 5, 3], 'tanh', rng), x);
      // Rounded to 0.1 for the interval loss: some zeros, some intervals the start misses.
      const observed = loss === 'interval' ? { ...exact, data: exact.data.map((p) => Math.round(p * 10) / 10) } : exact;
      const { objective, parameters } = fitObjective(x, observed, { sizes: [4, 3, 2, 3], hiddenActivation, loss, l2: 0.01, step: 0.1 });
      const theta = Float64Array.from({ length: parameters }, () => rng.normal() * 0.5);
      const gradient = new Float64Array(parameters);
      objective(theta, gradient);
      const scratch = new Float64Array(parameters);
      for (let k = 0; k < parameters; k++) {
        const h = 1e-6;
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[k] += h;
        minus[k] -= h;
        const numeric = (objective(plus, scratch) - objective(minus, scratch)) / (2 * h);
        assert.ok(Math.abs(numeric - gradient[k]) < 1e-6 * Math.max(1, Math.abs(numeric)), `${hiddenActivation}/${loss} θ${k}: ${gradient[k]} vs ${numeric}`);
      }
    }
  }
});

test('fitting a network to twice its unknowns in answers recovers its function', () => {
  const rng = new Rng(12);
  const sizes = [6, 4, 3];
  const target = randomNetwork(sizes, 'tanh', rng);
  const unknowns = 7 * 4 + 5 * 3;
  const x = randomRows(2 * unknowns, 6, rng);
  const fit = fitNetworkToProbabilities(x, forward(target, x), { sizes, hiddenActivation: 'tanh', loss: 'logit', l2: 0, maxIterations: 3000, restarts: 2, rng });
  assert.ok(fit.loss < 1e-12, `loss ${fit.loss}`);
  const fresh = randomRows(500, 6, new Rng(13));
  const want = forward(target, fresh).data;
  const got = forward(fit.layers, fresh).data;
  let gap = 0;
  for (let k = 0; k < want.length; k++) gap = Math.max(gap, Math.abs(want[k] - got[k]));
  assert.ok(gap < 1e-5, `max |Δp| on fresh rows ${gap}`);
});

/** One-hot-like rows: `numeric` normal columns (zeros in every `zeroEvery`-th row, drawing nothing there), then one level set in each of `groups` groups of `levels`. */
function oneHotRows(rng: Rng, rows: number, numeric: number, groups: number, levels: number, zeroEvery = 0): Matrix {
  const cols = numeric + groups * levels;
  const x = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < numeric; k++) x.data[i * cols + k] = zeroEvery > 0 && i % zeroEvery === 0 ? 0 : rng.normal();
    for (let g = 0; g < groups; g++) x.data[i * cols + numeric + g * levels + rng.int(levels)] = 1;
  }
  return x;
}

test('the WebAssembly first two layers give the same bits as the scalar loops (loss and every gradient entry; odd and even widths, every loss and activation)', () => {
  const rng = new Rng(5);
  // Three numeric columns (zeros in every seventh row), then four 6-level groups.
  const x = oneHotRows(rng, 150, 3, 4, 6, 7);
  const cols = x.cols;
  for (const sizes of [[cols, 20, 3], [cols, 7, 4, 2]]) {
    for (const hiddenActivation of ['tanh', 'sigmoid', 'relu'] as const) {
      for (const loss of ['logit', 'interval', 'cross-entropy'] as const) {
        const exact = forward(randomNetwork(sizes, 'tanh', rng), x);
        const observed = loss === 'interval' ? { ...exact, data: exact.data.map((p) => Math.round(p * 10) / 10) } : exact;
        const options = { sizes, hiddenActivation, loss, l2: 0.01, step: 0.1 };
        const wasm = fitObjective(x, observed, options, 'wasm');
        const js = fitObjective(x, observed, options, 'js');
        const theta = Float64Array.from({ length: wasm.parameters }, () => rng.normal() * 0.5);
        for (let evaluation = 0; evaluation < 2; evaluation++) {
          const [gWasm, gJs] = [new Float64Array(wasm.parameters), new Float64Array(js.parameters)];
          const label = `${sizes.join('-')} ${hiddenActivation}/${loss}`;
          assert.ok(Object.is(wasm.objective(theta, gWasm), js.objective(theta, gJs)), label);
          for (let k = 0; k < gJs.length; k++) assert.ok(Object.is(gWasm[k], gJs[k]), `${label} θ${k}: ${gWasm[k]} vs ${gJs[k]}`);
          theta[evaluation] += 0.25; // a second evaluation on other parameters, same kernel memory
        }
      }
    }
  }
});

test("the first layer's backward pass over several blocks of rows (its deltas read a block at a time) gives the scalar loops' bits", () => {
  // 64 outputs a row: blocks of 512 rows (sparse-layer.ts, BACKWARD_BLOCK_VALUES); 1,300 rows make three, the last short.
  const rng = new Rng(8);
  const x = oneHotRows(rng, 1300, 2, 3, 5);
  const cols = x.cols;
  const sizes = [cols, 64, 2];
  const observed = forward(randomNetwork(sizes, 'tanh', rng), x);
  for (const hiddenActivation of ['relu', 'tanh'] as const) {
    const options = { sizes, hiddenActivation, loss: 'logit' as const, l2: 0.01 };
    const wasm = fitObjective(x, observed, options, 'wasm');
    const js = fitObjective(x, observed, options, 'js');
    const theta = Float64Array.from({ length: wasm.parameters }, () => rng.normal() * 0.5);
    const [gWasm, gJs] = [new Float64Array(wasm.parameters), new Float64Array(js.parameters)];
    assert.ok(Object.is(wasm.objective(theta, gWasm), js.objective(theta, gJs)), hiddenActivation);
    for (let k = 0; k < gJs.length; k++) assert.ok(Object.is(gWasm[k], gJs[k]), `${hiddenActivation} θ${k}: ${gWasm[k]} vs ${gJs[k]}`);
  }
});
