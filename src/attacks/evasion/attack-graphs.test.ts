/**
 * The onnxruntime graphs of C&W, DeepFool and L-BFGS against tfjs's differentiation through the
 * model's scores: Carlini & Wagner's objective (cw-objective.ts) — untargeted and targeted, with
 * the floor −κ binding on some rows — DeepFool's step (deepfool-step.ts) and a class's
 * cross-entropy (cross-entropy-gradient.ts), on dense stacks, a binary logistic model and
 * PyTorch's exported digits CNN (a model made outside threatlab); and each whole attack on the two
 * paths on scikit-learn's digits MLP and its CSV rows.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { labelledRowsForModel } from '../../cli/labelled-rows.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import { AdamKernel } from '../../math/wasm/adam-kernel.ts';
import { Cnn } from '../../models/neural/cnn.ts';
import type { Activation, DenseLayer } from '../../models/neural/dense-network.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { convertOnnx } from '../../models/onnx/onnx-convert.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import { silentProgress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { CARLINI_WAGNER_DEFAULTS, carliniWagner } from './carlini-wagner.ts';
import { DEEPFOOL_DEFAULTS, deepFool } from './deepfool.ts';
import { SZEGEDY_DEFAULTS, szegedyLbfgs } from './szegedy-lbfgs.ts';
import { inputDomain } from './domain.ts';
import { margin, oneHotTensor, type GradientProblem } from './gradient-problem.ts';
import { logitModel, type LogitModel } from './logits.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures');

function layer(inputs: number, outputs: number, activation: Activation, rng: Rng): DenseLayer {
  return { inputs, outputs, activation, weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal(0, 0.6)), biases: Float64Array.from({ length: outputs }, () => rng.normal(0, 0.3)) };
}

/** tfjs's value and gradient in w of Σ ‖x' − x0‖² + c · max(m, −κ), x' = low + span · (tanh(w) + 1) / 2. */
function tfjsObjective(logits: LogitModel['logits'], w: Float32Array, x0: Float32Array, low: Float32Array, span: Float32Array, c: Float32Array, aim: Int32Array, classes: number, targeted: boolean, kappa: number) {
  const rows = c.length;
  const d = low.length;
  return tf.tidy(() => {
    const [x, lo, sp, cs, labels] = [tf.tensor2d(x0, [rows, d]), tf.tensor2d(low, [1, d]), tf.tensor2d(span, [1, d]), tf.tensor1d(c), oneHotTensor(aim, classes)];
    const image = (at: tf.Tensor2D) => tf.add(lo, tf.mul(sp, tf.div(tf.add(tf.tanh(at), 1), 2))) as tf.Tensor2D;
    const objective = (at: tf.Tensor) => tf.sum(tf.add(tf.sum(tf.square(tf.sub(image(at as tf.Tensor2D), x)), 1), tf.mul(cs, margin(logits(image(at as tf.Tensor2D)), labels, targeted, kappa))));
    const wt = tf.tensor2d(w, [rows, d]);
    return { gradient: tf.grad(objective)(wt).dataSync() as Float32Array, margins: margin(logits(image(wt)), labels, targeted, Infinity).dataSync() as Float32Array, image: image(wt).dataSync() as Float32Array };
  });
}

async function assertSameObjective(model: Classifier, rng: Rng): Promise<void> {
  await initBackend();
  const logits = await logitModel(model);
  try {
    assert.ok(logits.cwObjective, 'a model with a graph has the native objective');
    const d = model.inputSize;
    const classes = Math.max(2, model.classes.length);
    const rows = 6;
    const low = Float32Array.from({ length: d }, () => rng.between(-1, 0));
    const span = Float32Array.from({ length: d }, () => rng.between(0.5, 2));
    const x0 = Float32Array.from({ length: rows * d }, (_, k) => low[k % d] + span[k % d] * rng.uniform());
    const w = Float32Array.from({ length: rows * d }, () => rng.normal(0, 0.8));
    const c = Float32Array.from({ length: rows }, () => rng.between(0.1, 5));
    const aim = Int32Array.from({ length: rows }, (_, i) => i % classes);
    for (const targeted of [false, true]) {
      // κ below every margin (the floor never binds), then between two middle margins (it binds on half the rows).
      const open = tfjsObjective(logits.logits, w, x0, low, span, c, aim, classes, targeted, Infinity);
      const sorted = Float64Array.from(open.margins).sort();
      for (const kappa of [Infinity, -(sorted[rows / 2 - 1] + sorted[rows / 2]) / 2]) {
        const theirs = tfjsObjective(logits.logits, w, x0, low, span, c, aim, classes, targeted, kappa);
        const gradient = new Float32Array(rows * d);
        const batch = logits.cwObjective({ x0, rows, low, span, aim, targeted, gradient });
        try {
          const ours = await batch.evaluate(w, c, kappa);
          let largest = 0;
          for (const g of theirs.gradient) largest = Math.max(largest, Math.abs(g));
          assert.ok(largest > 1e-3, 'a gradient to compare');
          ours.margin.forEach((m, i) => assert.ok(Math.abs(m - theirs.margins[i]) <= 1e-5 * (1 + Math.abs(m)), `margin ${i}: ${m} vs ${theirs.margins[i]}`));
          ours.image.forEach((v, k) => assert.ok(Math.abs(v - theirs.image[k]) <= 1e-6 * (1 + Math.abs(v)), `image ${k}`));
          for (let i = 0; i < rows; i++) {
            let distance = 0;
            for (let j = 0; j < d; j++) distance += (ours.image[i * d + j] - x0[i * d + j]) ** 2;
            assert.ok(Math.abs(ours.distance[i] - distance) <= 1e-5 * (1 + distance), `distance ${i}: ${ours.distance[i]} vs ${distance}`);
          }
          gradient.forEach((g, k) => assert.ok(Math.abs(g - theirs.gradient[k]) <= 1e-5 * (1 + largest), `${targeted ? 'targeted' : 'untargeted'}, κ ${kappa}: gradient ${k}: ${g} vs ${theirs.gradient[k]}`));
        } finally {
          batch.release();
        }
      }
    }
  } finally {
    logits.dispose();
  }
}

/**
 * DeepFool's step on onnxruntime equals the choice made here from tfjs's scores and per-class
 * gradients: the predicted class, the boundary with the least |Z_k − Z_p| / ‖w_k‖ over the
 * coordinates free to move (some rows' pixels at the box's bounds), its gap, ‖w‖² and w — untargeted
 * and targeted, for a full batch and for fewer rows than it holds.
 */
async function assertSameDeepFoolStep(model: Classifier, rng: Rng): Promise<void> {
  await initBackend();
  const logits = await logitModel(model);
  try {
    assert.ok(logits.deepFoolStep, "a model with a graph has DeepFool's native step");
    const d = model.inputSize;
    const classes = Math.max(2, model.classes.length);
    const capacity = 5;
    const [low, high] = [new Float32Array(d).fill(0), new Float32Array(d).fill(1)];
    const step = logits.deepFoolStep(capacity, low, high);
    try {
      for (const [rows, targeted] of [[capacity, false], [3, true]] as const) {
        // A third of the values at a bound: the free coordinates differ by direction.
        const x = Float32Array.from({ length: capacity * d }, () => { const u = rng.uniform(); return u < 0.15 ? 0 : u > 0.85 ? 1 : u; });
        const targets = Int32Array.from({ length: rows }, (_, i) => (i + 1) % classes);
        const allowed = new Float32Array(capacity * classes);
        for (let i = 0; i < rows; i++) for (let k = 0; k < classes; k++) allowed[i * classes + k] = !targeted || k === targets[i] ? 1 : 0;
        const ours = await step.evaluate(x, allowed, rows);
        const input = tf.tensor2d(x.subarray(0, rows * d), [rows, d]);
        const scores = tf.tidy(() => logits.logits(input).dataSync() as Float32Array);
        const gradients = Array.from({ length: classes }, (_, k) => tf.tidy(() => tf.grad((at: tf.Tensor) => tf.sum(tf.slice(logits.logits(at as tf.Tensor2D), [0, k], [-1, 1])))(input).dataSync() as Float32Array));
        input.dispose();
        for (let i = 0; i < rows; i++) {
          const z = scores.subarray(i * classes, (i + 1) * classes);
          let p = 0;
          for (let k = 1; k < classes; k++) if (z[k] > z[p]) p = k;
          assert.equal(ours.predicted[i], p, `row ${i}: predicted class`);
          const free = (k: number) => Array.from({ length: d }, (_, j) => {
            const w = Math.fround(gradients[k][i * d + j] - gradients[p][i * d + j]);
            const at = x[i * d + j];
            return (w < 0 && at <= 0) || (w > 0 && at >= 1) ? 0 : w;
          });
          let best = { k: -1, ratio: Infinity, norm2: 0 };
          for (let k = 0; k < classes; k++) {
            if (k === p || (targeted && k !== targets[i])) continue;
            const norm2 = free(k).reduce((sum, w) => sum + w * w, 0);
            const ratio = Math.abs(z[k] - z[p]) / Math.sqrt(norm2 + 1e-20);
            if (ratio < best.ratio) best = { k, ratio, norm2 };
          }
          if (best.k < 0) continue;
          const gap = z[best.k] - z[p];
          assert.ok(Math.abs(ours.gap[i] - gap) <= 1e-5 * (1 + Math.abs(gap)), `row ${i}: gap ${ours.gap[i]} vs ${gap}`);
          assert.ok(Math.abs(ours.norm2[i] - best.norm2) <= 1e-4 * (1 + best.norm2), `row ${i}: ‖w‖² ${ours.norm2[i]} vs ${best.norm2}`);
          const w = free(best.k);
          const largest = Math.max(...w.map(Math.abs));
          w.forEach((value, j) => assert.ok(Math.abs(ours.direction[i * d + j] - value) <= 1e-5 * (1 + largest), `row ${i}, value ${j}: ${ours.direction[i * d + j]} vs ${value}`));
        }
      }
    } finally {
      step.release();
    }
  } finally {
    logits.dispose();
  }
}

/**
 * A class's cross-entropy and its gradient on onnxruntime equal tfjs's, with the scores: rows of
 * different aims in one call, then fewer rows on the same batch (its arrays and session reused).
 */
async function assertSameCrossEntropy(model: Classifier, rng: Rng): Promise<void> {
  await initBackend();
  const logits = await logitModel(model);
  try {
    assert.ok(logits.crossEntropy, 'a model with a graph has the native cross-entropy');
    const d = model.inputSize;
    const classes = Math.max(2, model.classes.length);
    const capacity = 5;
    const batch = logits.crossEntropy(capacity);
    try {
      for (const rows of [capacity, 2]) {
        const x = Float32Array.from({ length: rows * d }, () => rng.uniform());
        const aims = Int32Array.from({ length: rows }, (_, i) => (i * 2 + rows) % classes);
        const aim = new Float32Array(rows * classes);
        aims.forEach((a, i) => (aim[i * classes + a] = 1));
        const ours = await batch.evaluate(x, aim, rows);
        assert.equal(ours.loss.length, rows);
        for (let i = 0; i < rows; i++) {
          const input = tf.tensor2d(x.subarray(i * d, (i + 1) * d), [1, d]);
          const labels = oneHotTensor(Int32Array.of(aims[i]), classes);
          const [value, gradient, scores] = tf.tidy(() => {
            const { value: v, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits.logits(t as tf.Tensor2D))))) as tf.Scalar)(input);
            return [v.dataSync()[0], grad.dataSync() as Float32Array, logits.logits(input).dataSync() as Float32Array];
          });
          tf.dispose([input, labels]);
          const where = `${rows} rows, row ${i} (class ${aims[i]})`;
          assert.ok(Math.abs(ours.loss[i] - value) <= 1e-5 * (1 + Math.abs(value)), `${where}: loss ${ours.loss[i]} vs ${value}`);
          scores.forEach((v, k) => assert.ok(Math.abs(ours.logits[i * classes + k] - v) <= 1e-5 * (1 + Math.abs(v)), `${where}: score ${k}`));
          let largest = 0;
          for (const g of gradient) largest = Math.max(largest, Math.abs(g));
          gradient.forEach((g, k) => assert.ok(Math.abs(ours.gradient[i * d + k] - g) <= 1e-5 * (1 + largest), `${where}: gradient ${k}: ${ours.gradient[i * d + k]} vs ${g}`));
        }
      }
    } finally {
      batch.release();
    }
  } finally {
    logits.dispose();
  }
}

for (const [name, shape] of [
  ['MLP, relu', [[12, 16, 'relu'], [16, 5, 'softmax']]],
  ['MLP, tanh then sigmoid', [[12, 9, 'tanh'], [9, 7, 'sigmoid'], [7, 4, 'softmax']]],
  ['binary logistic MLP (one score, as (0, z))', [[12, 6, 'relu'], [6, 1, 'sigmoid']]],
] as const) {
  test(`C&W's objective, DeepFool's step and a class's cross-entropy on onnxruntime: tfjs's values and gradients (${name}); C&W untargeted and targeted, the floor −κ open and binding`, async () => {
    const rng = new Rng(21);
    const layers = shape.map(([inputs, outputs, activation]) => layer(inputs, outputs, activation, rng));
    const classes = Array.from({ length: Math.max(2, layers[layers.length - 1].outputs) }, (_, k) => `c${k}`);
    const mlp = new Mlp({ classes, schema: uniformNumericSchema(12, 'x', -1, 1), layers, params: {} });
    await assertSameObjective(mlp, rng);
    await assertSameDeepFoolStep(mlp, rng);
    await assertSameCrossEntropy(mlp, rng);
  });
}

/** DeepFool's adversarial rows, copied out of its sink. */
async function deepFoolRows(problem: GradientProblem): Promise<Matrix> {
  const out = createMatrix(problem.inputs.rows, problem.inputs.cols);
  await deepFool(problem, DEEPFOOL_DEFAULTS, (i, values) => out.data.set(values, i * problem.inputs.cols));
  return out;
}

test("C&W's objective, DeepFool's step and a class's cross-entropy on onnxruntime equal tfjs's on PyTorch's exported digits CNN (converted from ONNX, a model made outside threatlab)", async () => {
  const cnn = convertOnnx(join(ROOT, 'onnx', 'digits-cnn.onnx'), readModelDescription(join(ROOT, 'onnx', 'digits-cnn.description.json')));
  assert.ok(cnn instanceof Cnn);
  await assertSameObjective(cnn, new Rng(22));
  await assertSameDeepFoolStep(cnn, new Rng(23));
  await assertSameCrossEntropy(cnn, new Rng(24));
});

test("C&W, DeepFool and L-BFGS on scikit-learn's digits MLP and its CSV rows: the onnxruntime path and the tfjs path fool the same rows at the same distances (within 2% or 10⁻³; L-BFGS 5%), Adam's memory reused", async () => {
  await initBackend();
  const model = loadModelFile(join(ROOT, 'sklearn', 'digits-mlp.json')) as Classifier;
  const rows = labelledRowsForModel(join(ROOT, 'sklearn', 'digits-non-members.csv'), model, 'label', silentProgress);
  const inputs = selectRows(rows.features, Uint32Array.from({ length: 12 }, (_, i) => i));
  const labels = rows.labels.subarray(0, 12);
  const logits = await logitModel(model);
  try {
    const problem: GradientProblem = { model: logits, domain: inputDomain(model.schema, rows.features), inputs, labels: Int32Array.from(labels) };
    const native = await carliniWagner(problem, CARLINI_WAGNER_DEFAULTS);
    const tfjs = await carliniWagner({ ...problem, model: { ...logits, cwObjective: undefined } }, CARLINI_WAGNER_DEFAULTS);
    // DeepFool on the two paths: the same steps but for float32 rounding.
    const [foolNative, foolTfjs] = [await deepFoolRows(problem), await deepFoolRows({ ...problem, model: { ...logits, deepFoolStep: undefined } })];
    // Szegedy's L-BFGS on the two paths, three rows (the tfjs path is slow).
    const few = { ...problem, inputs: selectRows(inputs, [0, 1, 2]), labels: Int32Array.from(labels.subarray(0, 3)) };
    const [lbfgsNative, lbfgsTfjs] = [await szegedyLbfgs(few, SZEGEDY_DEFAULTS), await szegedyLbfgs({ ...few, model: { ...logits, crossEntropy: undefined } }, SZEGEDY_DEFAULTS)];
    const [bfgsPredicted, bfgsTfjsPredicted] = [model.predict(lbfgsNative), model.predict(lbfgsTfjs)];
    for (let i = 0; i < 3; i++) {
      const distance = (adversarial: typeof lbfgsNative) => Math.hypot(...Array.from({ length: inputs.cols }, (_, j) => adversarial.data[i * inputs.cols + j] - inputs.data[i * inputs.cols + j]));
      assert.notEqual(bfgsPredicted[i], labels[i], `row ${i}: L-BFGS on onnxruntime fools it`);
      assert.notEqual(bfgsTfjsPredicted[i], labels[i], `row ${i}: L-BFGS on tfjs fools it`);
      assert.ok(Math.abs(distance(lbfgsNative) - distance(lbfgsTfjs)) <= 0.05 * distance(lbfgsTfjs) + 1e-3, `row ${i}: L-BFGS L2 ${distance(lbfgsNative)} (onnxruntime) vs ${distance(lbfgsTfjs)} (tfjs)`);
    }
    // A kernel made after the attack's rounds takes their memory back, zeroed.
    const after = new AdamKernel([inputs.rows * inputs.cols], 0.1);
    assert.ok(after.values(0).every((v) => v === 0));
    after.release();
    const [fooledNative, fooledTfjs] = [model.predict(native), model.predict(tfjs)];
    const [deepNative, deepTfjs] = [model.predict(foolNative), model.predict(foolTfjs)];
    const l2 = (adversarial: typeof native, i: number) => Math.hypot(...Array.from({ length: inputs.cols }, (_, j) => adversarial.data[i * inputs.cols + j] - inputs.data[i * inputs.cols + j]));
    for (let i = 0; i < inputs.rows; i++) {
      assert.notEqual(fooledNative[i], labels[i], `row ${i}: the onnxruntime path fools it`);
      assert.notEqual(fooledTfjs[i], labels[i], `row ${i}: the tfjs path fools it`);
      assert.ok(Math.abs(l2(native, i) - l2(tfjs, i)) <= 0.02 * l2(tfjs, i) + 1e-3, `row ${i}: L2 ${l2(native, i)} (onnxruntime) vs ${l2(tfjs, i)} (tfjs)`);
      assert.notEqual(deepNative[i], labels[i], `row ${i}: DeepFool on onnxruntime fools it`);
      assert.notEqual(deepTfjs[i], labels[i], `row ${i}: DeepFool on tfjs fools it`);
      assert.ok(Math.abs(l2(foolNative, i) - l2(foolTfjs, i)) <= 0.02 * l2(foolTfjs, i) + 1e-3, `row ${i}: DeepFool L2 ${l2(foolNative, i)} (onnxruntime) vs ${l2(foolTfjs, i)} (tfjs)`);
    }
  } finally {
    logits.dispose();
  }
});
