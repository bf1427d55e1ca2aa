/**
 * Exact float64 fitting of a dense network to observed probability vectors, for MLP extraction
 * (Tramèr et al. 2016, §4.1.3: "we fit a model of the target's architecture by minimising the
 * loss over the queried points", with budgets as multiples of the unknowns).
 *
 * The whole batch is fitted with L-BFGS on a float64 loss and gradient written out here, so
 * that with as many equations as unknowns the fit can reach the target's function to rounding,
 * which float32 minibatch Adam cannot (measured in BENCHMARKS.md). Two losses:
 *
 * - `logit`: the squared error between centred log-probabilities, Σ_i Σ_c (s_ic − t_ic)² / 2 with
 *   t = log p − mean(log p) and s = z − mean(z) for the surrogate's logits z — the "equations" of
 *   equation solving, well conditioned even where the target is confident (p ≈ 0 or 1), where
 *   cross-entropy gives almost no gradient. It needs every probability > 0: full-precision scores.
 * - `interval`: for scores rounded to a step δ, the true p_ic lies in [p̂_ic − δ/2, p̂_ic + δ/2]; the
 *   loss is the squared distance of the surrogate's log q_ic from the log of that interval (zero
 *   inside; a rounded 0 bounds it from above only) — the logit equations, censored by rounding.
 * - `cross-entropy`: Σ_i Σ_c −p_ic log q_ic, for answers of unknown precision.
 *
 * Inputs are mostly one-hot (zeros are skipped in both passes), hidden activations are tanh,
 * sigmoid or relu, and the output layer is a softmax.
 */

import { ValidationError } from '../../errors.ts';
import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { tanhInPlace } from '../../math/tanh.ts';
import type { Matrix } from '../../math/matrix.ts';
import { sparseRows, type SparseRows } from '../../math/sparse-rows.ts';
import { sparseLayerKernel } from '../../math/wasm/sparse-layer.ts';
import type { Activation, DenseLayer } from '../../models/neural/dense-network.ts';
import type { Rng } from '../../random.ts';

/** Which discrepancy is minimised. */
export type NetworkLoss = 'logit' | 'interval' | 'cross-entropy';

/** Options of `fitNetworkToProbabilities`. */
export interface NetworkFitOptions {
  sizes: number[];
  hiddenActivation: Exclude<Activation, 'softmax' | 'linear'>;
  loss: NetworkLoss;
  /** The rounding step of the answers (`interval` loss). */
  step?: number;
  /** Ridge penalty l2/2 · Σ w² on the weights (not biases): picks the smallest network among the exact fits when the queries are fewer than the unknowns. */
  l2: number;
  maxIterations: number;
  /** Independent starts; the one with the lowest loss is kept. */
  restarts: number;
  rng: Rng;
  /** The first start's parameters (else drawn like the others), e.g. to give a peer the same start. */
  start?: Float64Array;
  /** Called after each start with its final loss. */
  onStart?: (start: number, loss: number) => void;
  /** Called every `checkpointEvery` iterations (100 by default) with the best layers so far, over all starts. */
  onCheckpoint?: (layers: DenseLayer[], loss: number) => void;
  checkpointEvery?: number;
  /** Called after every iteration with its loss (cheap: no layers built). */
  onIteration?: (loss: number, iteration: number) => void;
  /** Called every `PROGRESS_EVERY` iterations, and at each start's end, with the iterations run since the call before (a progress bar's ticks; a fit on its own thread posts them). */
  onProgress?: (iterations: number) => void;
}

/** Iterations between two `onProgress` calls. */
export const PROGRESS_EVERY = 50;

/** The fitted layers and the loss they reach (mean over rows). */
export interface NetworkFitResult {
  layers: DenseLayer[];
  loss: number;
  iterations: number;
}

interface Shape {
  sizes: number[];
  offsets: number[];
}

function shapeOf(sizes: number[]): Shape {
  const offsets = [0];
  for (let l = 1; l < sizes.length; l++) offsets.push(offsets[l - 1] + (sizes[l - 1] + 1) * sizes[l]);
  return { sizes, offsets };
}

function activateInPlace(values: Float64Array, activation: NetworkFitOptions['hiddenActivation']): void {
  if (activation === 'tanh') tanhInPlace(values);
  else if (activation === 'relu') {
    for (let i = 0; i < values.length; i++) values[i] = Math.max(0, values[i]);
  } else {
    for (let i = 0; i < values.length; i++) {
      const z = values[i];
      values[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
  }
}

/** Targets of the chosen loss: centred log-probabilities (logit) or the probabilities themselves. */
function lossTargets(observed: Matrix, loss: NetworkLoss, step = 0): Float64Array {
  if (loss === 'cross-entropy') return observed.data;
  const classes = observed.cols;
  if (loss === 'interval') {
    // Per row: the log of each class's lower bounds, then of its upper bounds.
    const out = new Float64Array(2 * observed.data.length);
    for (let i = 0; i < observed.rows; i++) {
      for (let c = 0; c < classes; c++) {
        const p = observed.data[i * classes + c];
        out[2 * i * classes + c] = p - step / 2 > 0 ? Math.log(p - step / 2) : -Infinity;
        out[(2 * i + 1) * classes + c] = Math.log(Math.min(1, p + step / 2));
      }
    }
    return out;
  }
  const out = new Float64Array(observed.data.length);
  for (let i = 0; i < observed.rows; i++) {
    let mean = 0;
    for (let c = 0; c < classes; c++) mean += Math.log(observed.data[i * classes + c]) / classes;
    for (let c = 0; c < classes; c++) out[i * classes + c] = Math.log(observed.data[i * classes + c]) - mean;
  }
  return out;
}

/**
 * How the first two layers are computed: `wasm`, the f64x2 kernels of `math/wasm/sparse-layer`
 * (the default: the first layer's products, its tanh, the second layer's products and both
 * layers' weight gradients), or `js`, the scalar loops here — the same bits either way (tested);
 * `js` is the reference the kernels are checked against.
 */
export type FirstLayerKernel = 'wasm' | 'js';

// The layers' loops, each in a function of its own (V8 optimises a hot loop inside a large
// closure by on-stack replacement and then throws that code away at the next loop). Each sum
// adds its terms in the same order as the WebAssembly kernel and as before: bias, then inputs in
// order; gradients over rows in order.

/** out = biases + sparse rows · weights (the first layer's JavaScript path). */
function sparseLayerForward(sparse: SparseRows, theta: Float64Array, w: number, b: number, outputs: number, out: Float64Array): void {
  const rows = sparse.start.length - 1;
  for (let i = 0; i < rows; i++) {
    const o = i * outputs;
    for (let j = 0; j < outputs; j++) out[o + j] = theta[b + j];
    // The queries' non-zero entries only (one-hot rows: 14 of Adult's 108), in column order.
    for (let e = sparse.start[i]; e < sparse.start[i + 1]; e++) {
      const value = sparse.values[e];
      const wk = w + sparse.columns[e] * outputs;
      for (let j = 0; j < outputs; j++) out[o + j] += value * theta[wk + j];
    }
  }
}

/** out = biases + input · weights (every input, zeros too: the kernel's sums). */
function denseLayerForward(input: Float64Array, rows: number, inputs: number, outputs: number, theta: Float64Array, w: number, b: number, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * outputs;
    for (let j = 0; j < outputs; j++) out[o + j] = theta[b + j];
    const row = i * inputs;
    for (let k = 0; k < inputs; k++) {
      const value = input[row + k];
      const wk = w + k * outputs;
      for (let j = 0; j < outputs; j++) out[o + j] += value * theta[wk + j];
    }
  }
}

/** The first layer's weight gradient (JavaScript path): only the queries' non-zero inputs add to it. */
function sparseLayerBackward(sparse: SparseRows, outputs: number, w: number, delta: Float64Array, gradient: Float64Array): void {
  const rows = sparse.start.length - 1;
  for (let i = 0; i < rows; i++) {
    const o = i * outputs;
    for (let e = sparse.start[i]; e < sparse.start[i + 1]; e++) {
      const value = sparse.values[e];
      const wk = w + sparse.columns[e] * outputs;
      for (let j = 0; j < outputs; j++) gradient[wk + j] += value * delta[o + j];
    }
  }
}

/** gradient of the layer's biases += its deltas, rows in order (each entry's sum in a local: no store and reload a row). */
function biasGradient(rows: number, outputs: number, b: number, delta: Float64Array, gradient: Float64Array): void {
  for (let j = 0; j < outputs; j++) {
    let sum = gradient[b + j];
    for (let i = 0; i < rows; i++) sum += delta[i * outputs + j];
    gradient[b + j] = sum;
  }
}

/** gradient of the layer's weights += its inputs (zeros too) times its deltas, rows in order. */
function denseLayerBackward(input: Float64Array, rows: number, inputs: number, outputs: number, w: number, delta: Float64Array, gradient: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * outputs;
    const row = i * inputs;
    for (let k = 0; k < inputs; k++) {
      const value = input[row + k];
      const wk = w + k * outputs;
      for (let j = 0; j < outputs; j++) gradient[wk + j] += value * delta[o + j];
    }
  }
}

/** The deltas of the layer below: (weights · delta) times the derivative of its activation, read from its values. */
function deltasBelow(input: Float64Array, rows: number, inputs: number, outputs: number, theta: Float64Array, w: number, delta: Float64Array, below: Float64Array, activation: NetworkFitOptions['hiddenActivation']): void {
  if (outputs === 2 && activation === 'tanh') {
    tanhDeltasOfTwo(input, rows, inputs, theta, w, delta, below);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * outputs;
    const row = i * inputs;
    for (let k = 0; k < inputs; k++) {
      const wk = w + k * outputs;
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += theta[wk + j] * delta[o + j];
      below[row + k] = sum;
    }
  }
  const count = rows * inputs;
  if (activation === 'tanh') {
    for (let x = 0; x < count; x++) below[x] *= 1 - input[x] * input[x];
  } else if (activation === 'relu') {
    for (let x = 0; x < count; x++) below[x] *= input[x] > 0 ? 1 : 0;
  } else {
    for (let x = 0; x < count; x++) below[x] *= input[x] * (1 - input[x]);
  }
}

/** `deltasBelow` for tanh under two classes (the binary targets the fit meets most): one pass, the same operations in the same order. */
function tanhDeltasOfTwo(input: Float64Array, rows: number, inputs: number, theta: Float64Array, w: number, delta: Float64Array, below: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const d0 = delta[2 * i];
    const d1 = delta[2 * i + 1];
    const row = i * inputs;
    for (let k = 0; k < inputs; k++) {
      let sum = 0;
      sum += theta[w + 2 * k] * d0;
      sum += theta[w + 2 * k + 1] * d1;
      const a = input[row + k];
      below[row + k] = sum * (1 - a * a);
    }
  }
}

/** The loss (mean over rows) and its gradient for parameters θ laid out layer by layer (weights inputs × outputs, then biases). */
function networkObjective(x: Matrix, targets: Float64Array, shape: Shape, options: Pick<NetworkFitOptions, 'hiddenActivation' | 'loss' | 'l2'>, firstLayer: FirstLayerKernel = 'wasm') {
  const { sizes, offsets } = shape;
  const layers = sizes.length - 1;
  const n = x.rows;
  // Layer l (1-based): its widths and where its weights (w) and biases (b) start in θ.
  const views = sizes.map((outputs, l) => (l === 0 ? { inputs: 0, outputs, w: 0, b: 0 } : { inputs: sizes[l - 1], outputs, w: offsets[l - 1], b: offsets[l - 1] + sizes[l - 1] * outputs }));
  const sparse = sparseRows(x);
  // With the kernel, the first two layers' values and deltas live in its memory.
  const second = layers >= 2 ? { width: sizes[2], w: views[2].w, b: views[2].b } : undefined;
  const kernel = firstLayer === 'wasm' ? sparseLayerKernel(sparse, sizes[0], sizes[1], offsets[layers], views[1].w, views[1].b, second) : undefined;
  const activations = sizes.map((size, l) => (l === 0 ? x.data : l === 1 && kernel ? kernel.out : l === 2 && kernel?.next ? kernel.next.out : new Float64Array(n * size)));
  const deltas = sizes.map((size, l) => (l === 1 && kernel ? kernel.delta : l === 2 && kernel?.next ? kernel.next.delta : new Float64Array(n * size)));
  const tanh = options.hiddenActivation === 'tanh';
  const relu = options.hiddenActivation === 'relu';
  return (theta: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    // Indices into flat arrays, no per-row views (L-BFGS evaluates this thousands of times).
    for (let l = 1; l <= layers; l++) {
      const { inputs, outputs, w, b } = views[l];
      const input = activations[l - 1];
      const out = activations[l];
      if (l === 1 && kernel) {
        kernel.theta.set(theta);
        // A ReLU layer's activation in the forward pass itself.
        kernel.forward(l < layers && relu);
        if (l < layers && tanh) kernel.tanhOut();
        else if (l < layers && !relu) activateInPlace(out, options.hiddenActivation);
        continue;
      }
      if (l === 2 && kernel?.next) kernel.next.forward();
      else if (l === 1) sparseLayerForward(sparse, theta, w, b, outputs, out);
      else denseLayerForward(input, n, inputs, outputs, theta, w, b, out);
      if (l < layers) activateInPlace(out, options.hiddenActivation);
    }
    // Output: logits in activations[layers]; the loss and dL/dz.
    const classes = sizes[layers];
    const logits = activations[layers];
    const delta = deltas[layers];
    let loss = 0;
    const width = options.loss === 'interval' ? 2 * classes : classes;
    for (let i = 0; i < n; i++) {
      // Row i's logits z, targets t and deltas d start at zi, ti, di (offsets: no views per row).
      const zi = i * classes;
      const ti = i * width;
      const di = i * classes;
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, logits[zi + c]);
      if (options.loss === 'logit') {
        let mean = 0;
        for (let c = 0; c < classes; c++) mean += logits[zi + c] / classes;
        for (let c = 0; c < classes; c++) {
          delta[di + c] = (logits[zi + c] - mean - targets[ti + c]) / n;
          loss += (logits[zi + c] - mean - targets[ti + c]) ** 2 / (2 * n);
        }
      } else if (options.loss === 'interval') {
        let total = 0;
        for (let c = 0; c < classes; c++) total += Math.exp(logits[zi + c] - max);
        const logTotal = Math.log(total) + max;
        // r_c: how far log q_c lies outside its interval; dL/dz_j = r_j − q_j Σ_c r_c.
        let sum = 0;
        for (let c = 0; c < classes; c++) {
          const logQ = logits[zi + c] - logTotal;
          const r = logQ < targets[ti + c] ? logQ - targets[ti + c] : logQ > targets[ti + classes + c] ? logQ - targets[ti + classes + c] : 0;
          delta[di + c] = r;
          sum += r;
          loss += (r * r) / (2 * n);
        }
        for (let c = 0; c < classes; c++) delta[di + c] = (delta[di + c] - Math.exp(logits[zi + c] - logTotal) * sum) / n;
      } else {
        let total = 0;
        for (let c = 0; c < classes; c++) total += Math.exp(logits[zi + c] - max);
        const logTotal = Math.log(total) + max;
        for (let c = 0; c < classes; c++) {
          const q = Math.exp(logits[zi + c] - logTotal);
          delta[di + c] = (q - targets[ti + c]) / n;
          if (targets[ti + c] > 0) loss -= (targets[ti + c] * (logits[zi + c] - logTotal)) / n;
        }
      }
    }
    if (options.l2 > 0) {
      for (let l = 1; l <= layers; l++) {
        for (let k = offsets[l - 1]; k < offsets[l - 1] + sizes[l - 1] * sizes[l]; k++) {
          loss += (options.l2 / 2) * theta[k] * theta[k];
          gradient[k] += options.l2 * theta[k];
        }
      }
    }
    // Backward: gradients of each layer, then deltas of the layer below.
    for (let l = layers; l >= 1; l--) {
      const { inputs, outputs, w, b } = views[l];
      const input = activations[l - 1];
      const delta = deltas[l];
      const below = l > 1 ? deltas[l - 1] : undefined;
      // Each gradient entry sums its rows in order, whichever path adds them (bias and weight
      // entries are apart, so the biases first changes no bits).
      if (l === 1 && kernel) {
        // The kernel adds the biases' gradient with the weights' (θ keeps them side by side).
        kernel.gradient.set(gradient.subarray(w, b + outputs));
        kernel.backward();
        gradient.set(kernel.gradient, w);
      } else {
        biasGradient(n, outputs, b, delta, gradient);
        if (l === 2 && kernel?.next) {
          kernel.next.weightGradient.set(gradient.subarray(w, w + inputs * outputs));
          kernel.next.backward();
          gradient.set(kernel.next.weightGradient, w);
        } else if (l === 1) sparseLayerBackward(sparse, outputs, w, delta, gradient);
        else denseLayerBackward(input, n, inputs, outputs, w, delta, gradient);
      }
      if (!below) continue;
      if (l === 2 && kernel?.next && (tanh || relu)) kernel.next.deltasBelow(tanh ? 'tanh' : 'relu');
      else deltasBelow(input, n, inputs, outputs, theta, w, delta, below, options.hiddenActivation);
    }
    return loss;
  };
}

/** The loss and gradient that the fit minimises, over parameters laid out layer by layer (exported for gradient checks). */
export function fitObjective(x: Matrix, observed: Matrix, options: Pick<NetworkFitOptions, 'sizes' | 'hiddenActivation' | 'loss' | 'l2' | 'step'>, firstLayer: FirstLayerKernel = 'wasm') {
  checkFitShapes(x, observed, options.sizes);
  const shape = shapeOf(options.sizes);
  return { objective: networkObjective(x, lossTargets(observed, options.loss, options.step), shape, options, firstLayer), parameters: shape.offsets[shape.offsets.length - 1] };
}

/** Rows and answers that the network's sizes fit (a mismatch would read past the rows, or fit the wrong classes, silently). */
function checkFitShapes(x: Matrix, observed: Matrix, sizes: number[]): void {
  const issues = [];
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1)) issues.push({ path: 'sizes', message: `layer sizes must be positive integers, inputs first and classes last; got [${sizes.join(', ')}]` });
  else {
    if (x.cols !== sizes[0]) issues.push({ path: 'x', message: `the rows have ${x.cols} columns; the network takes ${sizes[0]} inputs` });
    if (observed.cols !== sizes[sizes.length - 1]) issues.push({ path: 'observed', message: `the answers have ${observed.cols} columns; the network has ${sizes[sizes.length - 1]} classes` });
  }
  if (observed.rows !== x.rows) issues.push({ path: 'observed', message: `${observed.rows} answers for ${x.rows} rows: one answer a row` });
  if (issues.length > 0) throw new ValidationError('the network fit cannot use these rows', issues);
}

/** Glorot-uniform weights, zero biases, laid out as the fit's parameters. */
export function initialNetworkParameters(sizes: number[], rng: Rng): Float64Array {
  const { offsets } = shapeOf(sizes);
  const theta = new Float64Array(offsets[offsets.length - 1]);
  for (let l = 1; l < sizes.length; l++) {
    const limit = Math.sqrt(6 / (sizes[l - 1] + sizes[l]));
    for (let k = offsets[l - 1]; k < offsets[l - 1] + sizes[l - 1] * sizes[l]; k++) theta[k] = (2 * rng.uniform() - 1) * limit;
  }
  return theta;
}

/** The network that parameters in the fit's layout describe (softmax output). */
export function networkLayers(theta: Float64Array, sizes: number[], hiddenActivation: NetworkFitOptions['hiddenActivation']): DenseLayer[] {
  const { offsets } = shapeOf(sizes);
  return sizes.slice(1).map((outputs, index) => {
    const inputs = sizes[index];
    const w = offsets[index];
    return {
      inputs,
      outputs,
      weights: theta.slice(w, w + inputs * outputs),
      biases: theta.slice(w + inputs * outputs, w + (inputs + 1) * outputs),
      activation: index === sizes.length - 2 ? 'softmax' : hiddenActivation,
    };
  });
}

/**
 * Fits a dense network (softmax output) to observed probability vectors by full-batch float64
 * L-BFGS, from `restarts` random starts; returns the best fit's layers.
 */
export function fitNetworkToProbabilities(x: Matrix, observed: Matrix, options: NetworkFitOptions): NetworkFitResult {
  const { objective } = fitObjective(x, observed, options);
  let best: { theta: Float64Array; loss: number; iterations: number } | undefined;
  const every = options.checkpointEvery ?? 100;
  let unreported = 0;
  const onIteration = options.onCheckpoint || options.onIteration || options.onProgress
    ? (theta: Float64Array, value: number, iteration: number) => {
        options.onIteration?.(value, iteration);
        if (options.onProgress && ++unreported === PROGRESS_EVERY) {
          options.onProgress(unreported);
          unreported = 0;
        }
        if (!options.onCheckpoint || iteration % every !== 0) return;
        if (best && best.loss <= value) options.onCheckpoint!(networkLayers(best.theta, options.sizes, options.hiddenActivation), best.loss);
        else options.onCheckpoint!(networkLayers(theta, options.sizes, options.hiddenActivation), value);
      }
    : undefined;
  for (let start = 0; start < options.restarts; start++) {
    const result = minimizeLbfgs(objective, start === 0 && options.start ? options.start : initialNetworkParameters(options.sizes, options.rng), { maxIterations: options.maxIterations, gradientTolerance: 1e-10, valueTolerance: 1e-16, memory: 20, lineSearch: 'strong-wolfe', onIteration });
    if (options.onProgress && unreported > 0) options.onProgress(unreported);
    unreported = 0;
    options.onStart?.(start, result.value);
    if (!best || result.value < best.loss) best = { theta: result.x, loss: result.value, iterations: result.iterations };
  }
  return { layers: networkLayers(best!.theta, options.sizes, options.hiddenActivation), loss: best!.loss, iterations: best!.iterations };
}
