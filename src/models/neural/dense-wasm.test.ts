import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { createMatrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { applyLayer, forward, type Activation, type DenseLayer } from './dense-network.ts';
import { networkForwardCalls } from '../../math/wasm/dense-forward.ts';
import { Mlp } from './mlp.ts';
import { uniformNumericSchema } from '../../data/schema.ts';

test('a large layer call runs in WebAssembly and gives the same bits as the scalar loop (zeros, −0, NaN inputs; odd widths and every column panel; every activation; rows past one chunk)', () => {
  const rng = new Rng(3);
  // Widths through every panel kind: pairs and an odd one (7), eights only (128), eights, a pair and
  // an odd one (19), a pair and an odd one (3).
  for (const [rows, inputs, outputs] of [[2000, 97, 7], [70, 784, 128], [300, 61, 19], [1400, 1000, 3]]) {
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

test("forward's hidden layers on the thread's reused matrices: three hidden layers (the two slots in turn) give the bits of fresh matrices, and a result stays as it was after the next calls", () => {
  const rng = new Rng(5);
  const sizes = [40, 33, 17, 25, 6];
  const layers: DenseLayer[] = sizes.slice(1).map((outputs, l) => ({
    inputs: sizes[l],
    outputs,
    weights: Float64Array.from({ length: sizes[l] * outputs }, () => rng.normal() / Math.sqrt(sizes[l])),
    biases: Float64Array.from({ length: outputs }, () => rng.normal()),
    activation: l === sizes.length - 2 ? 'softmax' : (['relu', 'tanh', 'sigmoid'] as const)[l % 3],
  }));
  const rowsOf = (rows: number) => createMatrix(rows, 40, Float64Array.from({ length: rows * 40 }, () => (rng.uniform() < 0.3 ? 0 : rng.normal())));
  const fresh = (x: ReturnType<typeof rowsOf>) => layers.reduce((current, layer) => applyLayer(layer, current), x);
  const [x, y] = [rowsOf(300), rowsOf(120)];
  const first = forward(layers, x);
  const copy = Float64Array.from(first.data);
  assert.deepEqual(Array.from(first.data), Array.from(fresh(x).data));
  const second = forward(layers, y);
  assert.deepEqual(Array.from(second.data), Array.from(fresh(y).data));
  forward(layers, x, 2);
  for (let k = 0; k < copy.length; k++) assert.ok(Object.is(first.data[k], copy[k]), `value ${k} changed by the later calls`);
  // A hidden representation (upTo) is a matrix of its own too.
  const hidden = forward(layers, x, 3);
  const hiddenCopy = Float64Array.from(hidden.data);
  forward(layers, y);
  assert.deepEqual(Array.from(hidden.data), Array.from(hiddenCopy));
});

test('a network whose every layer goes to WebAssembly runs there whole, chunk by chunk, with the bits of the scalar loop layer by layer (every activation, widths through every panel kind, rows past one chunk, upTo)', () => {
  const rng = new Rng(9);
  const sizes = [301, 64, 19, 37, 11];
  const activations = ['relu', 'tanh', 'sigmoid', 'softmax'] as const;
  const layers: DenseLayer[] = sizes.slice(1).map((outputs, l) => ({
    inputs: sizes[l],
    outputs,
    weights: Float64Array.from({ length: sizes[l] * outputs }, () => rng.normal() / Math.sqrt(sizes[l])),
    biases: Float64Array.from({ length: outputs }, () => rng.normal()),
    activation: activations[l],
  }));
  // 700 rows: past one chunk of 2^14 entries (54 rows of 301), and enough for every layer's kernel call.
  const x = createMatrix(700, 301, Float64Array.from({ length: 700 * 301 }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform() < 0.02 ? -0 : rng.normal())));
  x.data[301 * 7 + 3] = NaN;
  for (const upTo of [4, 2, 3]) {
    const loop = layers.slice(0, upTo).reduce((current, layer) => applyLayer(layer, current, 'js'), x);
    const fused = forward(layers, x, upTo);
    assert.equal(fused.cols, sizes[upTo]);
    for (let k = 0; k < loop.data.length; k++) assert.ok(Object.is(fused.data[k], loop.data[k]), `upTo ${upTo} [${k}]: ${fused.data[k]} vs ${loop.data[k]}`);
  }
});

test("a ReLU layer's activation applied as the next layer compresses its values gives the loop's bits: pre-activations of −0, +0, negatives, ±Infinity, NaN, subnormals (and the ReLU layer last: activated in its own pass)", () => {
  const rng = new Rng(12);
  // Rows of zeros leave each hidden value its bias exactly; the other rows add products to them.
  const special = [-0, 0, -3, Infinity, -Infinity, 2.5, -1e-300, 1e-300, 5e-324];
  for (const biases of [special, [...special.slice(0, 4), NaN, ...special.slice(5)]]) {
    const hidden: DenseLayer = { inputs: 64, outputs: biases.length, weights: Float64Array.from({ length: 64 * biases.length }, () => rng.normal()), biases: Float64Array.from(biases), activation: 'relu' };
    // 40 outputs: enough multiply-adds for the kernel (`wasmWorthIt`), so both layers run in it together.
    const top: DenseLayer = { inputs: biases.length, outputs: 40, weights: Float64Array.from({ length: biases.length * 40 }, () => rng.normal()), biases: Float64Array.from({ length: 40 }, () => rng.normal()), activation: 'linear' };
    const x = createMatrix(240, 64, Float64Array.from({ length: 240 * 64 }, (_, k) => (Math.floor(k / 64) % 2 === 0 ? 0 : rng.uniform() < 0.3 ? 0 : rng.normal())));
    for (const upTo of [2, 1]) {
      const loop = [hidden, top].slice(0, upTo).reduce((current, layer) => applyLayer(layer, current, 'js'), x);
      const fused = forward([hidden, top], x, upTo);
      for (let k = 0; k < loop.data.length; k++) assert.ok(Object.is(fused.data[k], loop.data[k]), `upTo ${upTo} [${k}]: ${fused.data[k]} vs ${loop.data[k]}`);
    }
  }
});

test('an MLP refuses a value that is not finite with the same error whether its rows run in the kernel (which finds it as it reads them) or in the loop', () => {
  const rng = new Rng(12);
  const layer = (inputs: number, outputs: number, activation: Activation): DenseLayer => ({ inputs, outputs, activation, weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal() / Math.sqrt(inputs)), biases: new Float64Array(outputs) });
  const mlp = new Mlp({ classes: ['a', 'b', 'c'], schema: uniformNumericSchema(200, 'x', 0, 1), layers: [layer(200, 64, 'relu'), layer(64, 3, 'softmax')], params: {} });
  // 400 rows run in the kernel (both layers large enough), 6 in the loop.
  for (const rows of [400, 6]) {
    for (const [at, bad] of [[rows - 2, Infinity], [1, -Infinity], [3, NaN]] as const) {
      const x = createMatrix(rows, 200, Float64Array.from({ length: rows * 200 }, () => (rng.uniform() < 0.5 ? 0 : rng.uniform())));
      x.data[at * 200 + 7] = bad;
      x.data[(rows - 1) * 200 + 9] = NaN; // a later one: the first is named
      assert.throws(() => mlp.predictProba(x), (error: Error & { code?: string; issues?: { path: string; message: string }[] }) => {
        assert.equal(error.code, 'validation');
        assert.equal(error.issues?.[0].path, `features[${at}][7]`, `${rows} rows`);
        assert.equal(error.issues![0].message, `is ${bad} (feature "x7", row ${at + 1}); give finite values`);
        return true;
      });
    }
    const clean = createMatrix(rows, 200, Float64Array.from({ length: rows * 200 }, () => rng.uniform()));
    const expected = mlp.layers.reduce((current, l) => applyLayer(l, current, 'js'), clean);
    assert.deepEqual(Array.from(mlp.predictProba(clean).data), Array.from(expected.data), `${rows} rows: finite values go through`);
  }
});

test('a call of a few rows goes to WebAssembly when enough of its inputs are non-zero (the loop skips zeros) and gives the loop\'s bits; one sparse row of a network not run before stays in the loop, and goes to WebAssembly once it has run', () => {
  const rng = new Rng(9);
  const layers: DenseLayer[] = [
    { inputs: 784, outputs: 128, weights: Float64Array.from({ length: 784 * 128 }, () => rng.normal() * 0.05), biases: Float64Array.from({ length: 128 }, () => rng.normal()), activation: 'relu' },
    { inputs: 128, outputs: 10, weights: Float64Array.from({ length: 1280 }, () => rng.normal() * 0.1), biases: new Float64Array(10), activation: 'softmax' },
  ];
  const rowsOf = (rows: number, lit: number) => {
    const x = createMatrix(rows, 784);
    for (let k = 0; k < x.data.length; k++) x.data[k] = rng.uniform() < lit ? rng.uniform() : k % 3 === 0 ? -0 : 0;
    return x;
  };
  const loop = (x: ReturnType<typeof createMatrix>) => applyLayer(layers[1], applyLayer(layers[0], x, 'js'), 'js');
  // The same weights as new layer objects: a network not run before (its panels are named by its layer objects).
  const fresh = layers.map((layer) => ({ ...layer }));
  for (const [network, rows, lit, kernel] of [[layers, 1, 1, true], [layers, 3, 0.5, true], [layers, 20, 0.6, true], [layers, 31, 0.25, true], [fresh, 1, 0.2, false], [fresh, 1, 0.2, true], [layers, 1, 0.05, true]] as const) {
    const x = rowsOf(rows, lit);
    const before = networkForwardCalls();
    const fast = forward(network, x);
    assert.equal(networkForwardCalls() - before, kernel ? 1 : 0, `${rows} row(s), ${lit} of the inputs lit: ${kernel ? 'the kernel' : 'the loop'}`);
    const expected = loop(x);
    for (let k = 0; k < expected.data.length; k++) assert.ok(Object.is(fast.data[k], expected.data[k]), `${rows} row(s), ${lit} lit [${k}]: ${fast.data[k]} vs ${expected.data[k]}`);
  }
});

test('a network that ran before goes to WebAssembly from 4,096 multiply-adds a call (one row through 108-64-2), the loop\'s bits; a first call of it, and one row of a smaller network, stay in the loop', () => {
  const rng = new Rng(12);
  const layer = (inputs: number, outputs: number, activation: DenseLayer['activation']): DenseLayer => ({ inputs, outputs, weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal() * 0.2), biases: Float64Array.from({ length: outputs }, () => rng.normal()), activation });
  const adult = [layer(108, 64, 'relu'), layer(64, 2, 'softmax')];
  const tiny = [layer(108, 20, 'tanh'), layer(20, 2, 'softmax')];
  const row = () => createMatrix(1, 108, Float64Array.from({ length: 108 }, () => (rng.uniform() < 0.3 ? rng.uniform() : 0)));
  for (const [network, kernel, what] of [[adult, false, 'a first call'], [adult, true, 'a second call'], [adult, true, 'a third call'], [tiny, false, 'a first call of 108-20-2'], [tiny, false, 'one row of 108-20-2 (2,200 multiply-adds)']] as const) {
    const x = row();
    const before = networkForwardCalls();
    const fast = forward(network, x);
    assert.equal(networkForwardCalls() - before, kernel ? 1 : 0, `${what}: ${kernel ? 'the kernel' : 'the loop'}`);
    const expected = network.reduce((current, l) => applyLayer(l, current, 'js'), x);
    for (let k = 0; k < expected.data.length; k++) assert.ok(Object.is(fast.data[k], expected.data[k]), `${what} [${k}]: ${fast.data[k]} vs ${expected.data[k]}`);
  }
});

test("networks' panels kept in the kernel's memory answer each network with its own weights: networks of one shape in turn, more of them than are kept, a network that runs only part of its layers, and a call of many rows between, each the loop's bits", () => {
  const rng = new Rng(21);
  const network = (): DenseLayer[] => [
    { inputs: 300, outputs: 64, weights: Float64Array.from({ length: 300 * 64 }, () => rng.normal() * 0.1), biases: Float64Array.from({ length: 64 }, () => rng.normal()), activation: 'tanh' },
    { inputs: 64, outputs: 40, weights: Float64Array.from({ length: 64 * 40 }, () => rng.normal() * 0.2), biases: Float64Array.from({ length: 40 }, () => rng.normal()), activation: 'relu' },
    { inputs: 40, outputs: 5, weights: Float64Array.from({ length: 40 * 5 }, () => rng.normal() * 0.3), biases: Float64Array.from({ length: 5 }, () => rng.normal()), activation: 'softmax' },
  ];
  const networks = Array.from({ length: 6 }, network);
  const loop = (layers: readonly DenseLayer[], x: ReturnType<typeof createMatrix>, upTo = layers.length) => layers.slice(0, upTo).reduce((current, layer) => applyLayer(layer, current, 'js'), x);
  const rowsOf = (rows: number) => createMatrix(rows, 300, Float64Array.from({ length: rows * 300 }, () => rng.uniform() * 2 - 1));
  // Rounds over the networks in turn: the first round lays each out (four are kept at most), later rounds find them or lay them out again.
  for (let round = 0; round < 3; round++) {
    for (const [n, layers] of networks.entries()) {
      for (const [rows, upTo] of [[4, 3], [1, 3], [300, 3], [2, 2]] as const) {
        const x = rowsOf(rows);
        const fast = forward(layers, x, upTo);
        const expected = loop(layers, x, upTo);
        for (let k = 0; k < expected.data.length; k++) assert.ok(Object.is(fast.data[k], expected.data[k]), `round ${round}, network ${n}, ${rows} row(s) through ${upTo} layers [${k}]: ${fast.data[k]} vs ${expected.data[k]}`);
      }
    }
  }
});

test('a wide network runs sixteen rows a chunk at least (its panels read once a chunk), the last chunk short, the loop\'s bits', () => {
  const rng = new Rng(23);
  const layers: DenseLayer[] = [
    { inputs: 3000, outputs: 24, weights: Float64Array.from({ length: 3000 * 24 }, () => rng.normal() * 0.05), biases: Float64Array.from({ length: 24 }, () => rng.normal()), activation: 'sigmoid' },
    { inputs: 24, outputs: 3, weights: Float64Array.from({ length: 72 }, () => rng.normal()), biases: Float64Array.from({ length: 3 }, () => rng.normal()), activation: 'softmax' },
  ];
  for (const rows of [1, 16, 17, 37]) {
    const x = createMatrix(rows, 3000, Float64Array.from({ length: rows * 3000 }, () => (rng.uniform() < 0.7 ? rng.uniform() : 0)));
    const fast = forward(layers, x);
    const expected = applyLayer(layers[1], applyLayer(layers[0], x, 'js'), 'js');
    for (let k = 0; k < expected.data.length; k++) assert.ok(Object.is(fast.data[k], expected.data[k]), `${rows} rows [${k}]: ${fast.data[k]} vs ${expected.data[k]}`);
  }
});

test("a network's panels kept in the kernel's memory do not keep its layers alive once their caller drops them", async () => {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const rng = new Rng(29);
  const dropped = (() => {
    const layers: DenseLayer[] = [
      { inputs: 400, outputs: 200, weights: Float64Array.from({ length: 400 * 200 }, () => rng.normal() * 0.05), biases: new Float64Array(200), activation: 'relu' },
      { inputs: 200, outputs: 2, weights: Float64Array.from({ length: 400 }, () => rng.normal()), biases: new Float64Array(2), activation: 'softmax' },
    ];
    const x = createMatrix(40, 400, Float64Array.from({ length: 40 * 400 }, () => rng.uniform()));
    forward(layers, x);
    forward(layers, x);
    return new WeakRef(layers[0]);
  })();
  // A turn of the event loop first: a WeakRef made in this job keeps its target until the job ends.
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  assert.equal(dropped.deref(), undefined, 'the first layer is collected');
});
