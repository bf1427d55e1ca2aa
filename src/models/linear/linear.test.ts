import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationDataset, regressionDataset, subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { newtonSuits } from './newton-logistic.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { makeBlobs, makeCircles, makeClassification } from '../../data/datasets/synthetic.ts';
import { minimizeLbfgs } from '../../math/lbfgs.ts';
import { createMatrix } from '../../math/matrix.ts';
import { selectedRowsMatrix } from '../../math/selected-rows.ts';
import { ValidationError } from '../../errors.ts';
import { Rng } from '../../random.ts';
import { KernelLogisticTrainer } from '../kernel/kernel-logistic.ts';
import { binaryObjective, softmaxObjective } from './objectives.ts';
import { solveLogistic } from './solve-logistic.ts';
import { fitStandardScaler } from '../../data/encoders/scaling.ts';
import { LinearRegressionTrainer } from './linear-regression.ts';
import { LinearClassifierTrainer } from './trainers.ts';
import { LinearClassifier } from './linear-classifier.ts';
import { trainerParamsOf } from '../registry.ts';
import { join } from 'node:path';
import { loadModelFile } from '../registry.ts';
import { labelledRowsForModel } from '../../cli/labelled-rows.ts';
import { silentProgress } from '../../progress.ts';
import { selectRows } from '../../math/matrix.ts';
import { loadIrisEmbedded } from '../../data/datasets/iris.ts';

test('L-BFGS finds the minimum of the Rosenbrock function', () => {
  const result = minimizeLbfgs((x, g) => {
    g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2);
    g[1] = 200 * (x[1] - x[0] ** 2);
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
  }, Float64Array.from([-1.2, 1]), { gradientTolerance: 1e-10, valueTolerance: 0 });
  assert.ok(result.converged);
  assert.ok(Math.abs(result.x[0] - 1) < 1e-6 && Math.abs(result.x[1] - 1) < 1e-6);
});

/** Random rows with more features than rows, labelled by a random linear rule. */
function wideProblem(rows: number, cols: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const features = createMatrix(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.uniform()));
  const labels = Int32Array.from({ length: rows }, (_, i) => i % classes);
  return classificationDataset({ name: 'wide', features, schema: uniformNumericSchema(cols, 'x', 0, 1), labels, classes: Array.from({ length: classes }, (_, c) => `c${c}`), targetName: 'y' });
}

test('softmax in the row space reaches the exact optimum: the full-dimensional gradient vanishes', () => {
  const data = wideProblem(40, 300, 4, 3);
  const model = new LinearClassifierTrainer('softmax', { standardize: false, tolerance: 1e-10 }).fitSync(data);
  // Evaluate the gradient of the original (d = 300) objective at the fitted weights and biases.
  const theta = new Float64Array(4 * 301);
  for (let c = 0; c < 4; c++) {
    theta.set(model.weights.data.subarray(c * 300, (c + 1) * 300), c * 301);
    theta[c * 301 + 300] = model.biases[c];
  }
  const gradient = new Float64Array(theta.length);
  softmaxObjective(data.features, data.labels, 4, 1)(theta, gradient);
  const largest = Math.max(...Array.from(gradient, Math.abs));
  assert.ok(largest < 1e-6, `largest gradient entry ${largest}`);
});

test('row-space and primal fits agree to many decimals', () => {
  const data = wideProblem(30, 45, 3, 4);
  const reduced = new LinearClassifierTrainer('ovr', { standardize: false, tolerance: 1e-11 }).fitSync(data);
  const primalData = { ...data, features: createMatrix(30, 45, data.features.data) };
  // Duplicate the rows: same optimum up to doubling the loss, so halve the penalty; n > d forces the primal path.
  const doubled = classificationDataset({
    ...primalData,
    features: createMatrix(60, 45, Float64Array.from([...data.features.data, ...data.features.data])),
    labels: Int32Array.from([...data.labels, ...data.labels]),
  });
  const primal = new LinearClassifierTrainer('ovr', { standardize: false, tolerance: 1e-11, l2: 2 }).fitSync(doubled);
  reduced.weights.data.forEach((w, i) => assert.ok(Math.abs(w - primal.weights.data[i]) < 1e-5, `weight ${i}: ${w} vs ${primal.weights.data[i]}`));
});

test('standardisation is folded into the weights: the model is linear in raw features', () => {
  const blobs = makeBlobs(600, { seed: 2 });
  const scaled = { ...blobs, features: createMatrix(600, 2, Float64Array.from(blobs.features.data, (v, k) => (k % 2 === 0 ? v * 1000 + 5000 : v))) };
  const model = new LinearClassifierTrainer('softmax').fitSync(scaled);
  const scores = model.decisionFunction(scaled.features);
  for (let i = 0; i < 5; i++) {
    for (let c = 0; c < 3; c++) {
      const expected = model.biases[c] + model.weights.data[c * 2] * scaled.features.data[2 * i] + model.weights.data[c * 2 + 1] * scaled.features.data[2 * i + 1];
      assert.ok(Math.abs(scores.data[i * 3 + c] - expected) < 1e-9);
    }
  }
  const accuracy = model.predict(scaled.features).filter((p, i) => p === scaled.labels[i]).length / 600;
  assert.ok(accuracy > 0.95);
});

test('linear regression recovers exact coefficients; full one-hot groups get the minimum-norm answer', () => {
  const rng = new Rng(5);
  const features = createMatrix(200, 3, Float64Array.from({ length: 600 }, () => rng.normal()));
  const targets = Float64Array.from({ length: 200 }, (_, i) => 1.5 * features.data[3 * i] - 2 * features.data[3 * i + 1] + 0.25 * features.data[3 * i + 2] + 3);
  const model = new LinearRegressionTrainer().fitSync(regressionDataset({ name: 'exact', features, schema: uniformNumericSchema(3, 'x', -5, 5), targets, targetName: 'y' }));
  [1.5, -2, 0.25].forEach((w, j) => assert.ok(Math.abs(model.weights[j] - w) < 1e-10));
  assert.ok(Math.abs(model.bias - 3) < 1e-10);
  assert.ok(model.trainingRmse < 1e-10);
  // Two one-hot columns that always sum to 1 are collinear with the intercept.
  const onehot = createMatrix(100, 2, Float64Array.from({ length: 200 }, (_, k) => (Math.floor(k / 2) % 2 === k % 2 ? 1 : 0)));
  const y = Float64Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 10 : 4));
  const collinear = new LinearRegressionTrainer().fitSync(regressionDataset({ name: 'onehot', features: onehot, schema: uniformNumericSchema(2, 'g', 0, 1), targets: y, targetName: 'y' }));
  assert.ok(collinear.trainingRmse < 1e-9);
  assert.ok(Math.abs(collinear.weights[0] + collinear.weights[1]) < 1e-9, 'minimum norm splits the effect symmetrically');
});

test('RBF kernel logistic regression separates circles, which a linear model cannot', () => {
  const circles = makeCircles(600, { noise: 0.05, seed: 3 });
  const kernel = new KernelLogisticTrainer().fitSync(circles);
  const linear = new LinearClassifierTrainer('logistic').fitSync(circles);
  const accuracy = (predicted: Int32Array) => predicted.filter((p, i) => p === circles.labels[i]).length / 600;
  assert.ok(accuracy(kernel.predict(circles.features)) > 0.97);
  assert.ok(accuracy(linear.predict(circles.features)) < 0.7);
});

test('a linear trainer reports its L-BFGS iterations as progress', () => {
  const events: string[] = [];
  const progress = { start: (label: string, total: number) => events.push(`start ${label} ${total}`), tick: () => events.push('tick'), done: () => events.push('done') };
  new LinearClassifierTrainer('ovr', { maxIterations: 50 }, progress).fitSync(loadIrisEmbedded());
  assert.equal(events[0], 'start fitting ovr (solver iterations, at most) 150');
  assert.ok(events.filter((event) => event === 'tick').length > 3);
  assert.equal(events[events.length - 1], 'done');
});

test('kernel logistic regression reports the factorisation and its L-BFGS iterations as progress', () => {
  const events: string[] = [];
  const progress = { start: (label: string, total: number) => events.push(`start ${label} ${total}`), tick: () => events.push('tick'), done: () => events.push('done') };
  new KernelLogisticTrainer({ maxIterations: 40 }, progress).fitSync(makeCircles(200, { noise: 0.05, seed: 3 }));
  assert.equal(events[0], 'start fitting kernel-logistic (kernel factorisation, then L-BFGS iterations at most) 41');
  const ticks = events.filter((event) => event === 'tick').length;
  assert.ok(ticks >= 2 && ticks <= 41, `${ticks} ticks`);
  assert.equal(events[events.length - 1], 'done');
});

test("Newton's method reaches L-BFGS's optimum (tight tolerance) on one-hot Adult, a 5-class softmax and one-vs-rest Iris, and is chosen for few unknowns", () => {
  const adult = loadDataset('adult-income') as ClassificationDataset;
  const sample = subsetRows(adult, new Rng(3).permutation(adult.features.rows).subarray(0, 3000));
  const cases: [string, 'logistic' | 'softmax' | 'ovr', ClassificationDataset][] = [
    ['Adult income (3,000 rows, 108 one-hot and numeric columns)', 'logistic', sample],
    ['make_classification, 5 classes', 'softmax', makeClassification(1000, { classes: 5, seed: 4 })],
    ['Iris', 'ovr', loadIrisEmbedded()],
  ];
  for (const [name, link, data] of cases) {
    const newton = new LinearClassifierTrainer(link, { solver: 'newton' }).fitSync(data);
    const lbfgs = new LinearClassifierTrainer(link, { solver: 'lbfgs', tolerance: 1e-11, maxIterations: 20000 }).fitSync(data);
    const [p, q] = [newton.predictProba(data.features).data, lbfgs.predictProba(data.features).data];
    let gap = 0;
    for (let k = 0; k < p.length; k++) gap = Math.max(gap, Math.abs(p[k] - q[k]));
    assert.ok(gap < 1e-5, `${name} (${link}): max |Δp| ${gap}`);
  }
  // On the standardised Adult design, Newton's optimum has the lower loss and the smaller gradient:
  // L-BFGS stalls about 5e-6 (in probability) short of it even at a 1e-11 tolerance.
  const design = fitStandardScaler(sample.features).transform(sample.features);
  const at = (solver: 'newton' | 'lbfgs') => {
    const solution = solveLogistic('logistic', design, sample.labels, 2, { l2: 1, maxIterations: 20000, tolerance: 1e-11, solver });
    const theta = Float64Array.from([...solution.coefficients.data, solution.biases[0]]);
    const gradient = new Float64Array(theta.length);
    const loss = binaryObjective(design, Uint8Array.from(sample.labels, (label) => (label === 1 ? 1 : 0)), 1)(theta, gradient);
    return { loss, largest: Math.max(...gradient.map(Math.abs)) };
  };
  const [newton, lbfgs] = [at('newton'), at('lbfgs')];
  assert.ok(newton.loss <= lbfgs.loss + 1e-9, `loss: Newton ${newton.loss}, L-BFGS ${lbfgs.loss}`);
  assert.ok(newton.largest < 1e-8 && newton.largest <= lbfgs.largest, `largest gradient entry: Newton ${newton.largest}, L-BFGS ${lbfgs.largest}`);
  assert.equal(newtonSuits(sample.features, 1), true, '109 unknowns');
  assert.equal(newtonSuits(createMatrix(10, 784), 10), false, "MNIST softmax's 7,850 unknowns stay with L-BFGS");
  const digits = createMatrix(640, 64, Float64Array.from({ length: 640 * 64 }, (_, k) => ((k * 7919) % 17) / 16));
  assert.equal(newtonSuits(digits, 10), false, '650 unknowns of dense 8 × 8 digits in 10 classes: the Hessian and its factoring cost ~20× what L-BFGS does');
  assert.equal(newtonSuits(createMatrix(150, 4, Float64Array.from({ length: 600 }, (_, k) => 1 + (k % 5))), 3), true, "iris's 15 unknowns");
});

test('a value that is not finite stops a linear fit with the error every trainer gives, named where it lies — in the fit on entries (which checks the values as it reads them), in the row space, and in rows of another matrix, which the fit never gathers', () => {
  const data = makeClassification(60, { classes: 2, features: 5, informative: 3, redundant: 0, seed: 5 });
  const wide = makeClassification(6, { classes: 2, features: 9, informative: 3, redundant: 0, seed: 5 });
  const failure = (dataset: ClassificationDataset) => {
    try {
      new LinearClassifierTrainer('logistic').fitSync(dataset);
      return 'fitted';
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      return error.message;
    }
  };
  const spoiled = (dataset: ClassificationDataset, at: number, value: number) => {
    const values = Float64Array.from(dataset.features.data);
    values[at] = value;
    return classificationDataset({ ...dataset, features: createMatrix(dataset.features.rows, dataset.features.cols, values) });
  };
  assert.equal(failure(spoiled(data, 4 * 5 + 1, NaN)), 'cannot train "logistic": features[4][1]: is NaN (feature "x1", training row 5); this model needs finite features: impute or drop missing values, or train a tree');
  assert.equal(failure(spoiled(data, 59 * 5 + 4, -Infinity)), 'cannot train "logistic": features[59][4]: is -Infinity (feature "x4", training row 60); this model needs finite features: impute or drop missing values, or train a tree');
  assert.equal(failure(spoiled(wide, 2 * 9 + 8, Infinity)), 'cannot train "logistic": features[2][8]: is Infinity (feature "x8", training row 3); this model needs finite features: impute or drop missing values, or train a tree');
  const source = spoiled(data, 10 * 5 + 3, NaN);
  const rows = Int32Array.of(0, 1, 2, 10, 3, 4, 5, 6, 7, 8, 9);
  const selection = (picked: Int32Array) => {
    const features = selectedRowsMatrix({ cols: 5, parts: [{ source: source.features.data, rows: picked }] }, new Float64Array(5 * picked.length));
    return { dataset: classificationDataset({ ...source, features, labels: Int32Array.from(picked, (r) => source.labels[r]) }), features };
  };
  assert.equal(failure(selection(rows).dataset), 'cannot train "logistic": features[3][3]: is NaN (feature "x3", training row 4); this model needs finite features: impute or drop missing values, or train a tree');
  const clean = selection(Int32Array.from({ length: 50 }, (_, k) => k + (k >= 10 ? 1 : 0)));
  const fitted = new LinearClassifierTrainer('logistic').fitSync(clean.dataset);
  assert.ok(Object.getOwnPropertyDescriptor(clean.features, 'data')?.get, 'fitted without gathering the rows');
  assert.deepEqual(fitted.toJSON(), new LinearClassifierTrainer('logistic').fitSync(classificationDataset({ ...clean.dataset, features: createMatrix(50, 5, Float64Array.from(clean.features.data)) })).toJSON());
});

/** The scores as the loop before the layer gave them: the bias, then each product in column order — every one where a row is at least half non-zero, else the non-zero inputs'. */
function loopScores(model: LinearClassifier, x: ReturnType<typeof createMatrix>): Float64Array {
  const { rows: scores, cols: d } = model.weights;
  const out = new Float64Array(x.rows * scores);
  for (let i = 0; i < x.rows; i++) {
    const row = x.data.subarray(i * d, (i + 1) * d);
    const nonZero = [...row.keys()].filter((j) => row[j] !== 0);
    for (let c = 0; c < scores; c++) {
      let z = model.biases[c];
      for (const j of nonZero.length < d / 2 ? nonZero : row.keys()) z += model.weights.data[c * d + j] * row[j];
      out[i * scores + c] = z;
    }
  }
  return out;
}

test("a wide linear model's scores through the dense layers' kernel are the loop's bits: rows sparse and dense, zeros of both signs, one row and many, the first call and later ones; a bias of −0 or an infinite weight keeps the loop", () => {
  const rng = new Rng(17);
  const [scores, d] = [7, 3000];
  const weights = createMatrix(scores, d, Float64Array.from({ length: scores * d }, () => rng.normal()));
  const model = new LinearClassifier({ kind: 'softmax', classes: Array.from({ length: scores }, (_, c) => `c${c}`), schema: uniformNumericSchema(d, 'x', -1, 1), weights, biases: Float64Array.from({ length: scores }, () => rng.normal()), params: {} });
  const rowsOf = (rows: number, lit: number) => createMatrix(rows, d, Float64Array.from({ length: rows * d }, (_, k) => (rng.uniform() < lit ? rng.uniform() * 2 - 1 : k % 2 === 0 ? 0 : -0)));
  const same = (m: LinearClassifier, x: ReturnType<typeof createMatrix>, what: string) => {
    const got = m.decisionFunction(x).data;
    const want = loopScores(m, x);
    const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));
    for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) assert.fail(`${what} [${k}]: ${show(got[k])} against the loop's ${show(want[k])}`);
  };
  for (const [rows, lit] of [[1, 0.1], [1, 0.1], [1, 0.9], [40, 0.3], [40, 0.7], [3, 1]] as const) same(model, rowsOf(rows, lit), `${rows} row(s), ${lit} lit`);
  // A bias of −0 and a class whose weights are all +0: on a row mostly lit with negative values (products −0), the
  // loop adds the +0 product of a zero input too and ends at +0; leaving zero inputs out would end at −0.
  const zeroClass = createMatrix(scores, d, Float64Array.from(weights.data, (w, k) => (k < d ? 0 : w)));
  const negativeZero = new LinearClassifier({ ...model, classes: model.classes, weights: zeroClass, biases: Float64Array.from({ length: scores }, (_, c) => (c === 0 ? -0 : 1)), params: {} });
  const negativeRows = createMatrix(30, d, Float64Array.from({ length: 30 * d }, (_, k) => (k % 5 === 0 ? 0 : -rng.uniform() - 0.1)));
  same(negativeZero, negativeRows, 'a bias of −0, a class of zero weights, rows mostly lit and negative');
  assert.ok(Object.is(negativeZero.decisionFunction(negativeRows).data[0], 0), 'the loop\'s +0');
  same(negativeZero, rowsOf(30, 0), 'a bias of −0, rows of zeros');
  assert.ok(Object.is(negativeZero.decisionFunction(rowsOf(30, 0)).data[0], -0));
  // An infinite weight: a dense row's zero input times it is NaN in the loop.
  const infinite = createMatrix(scores, d, Float64Array.from(weights.data));
  infinite.data[5] = Infinity;
  const withInfinity = new LinearClassifier({ ...model, classes: model.classes, weights: infinite, biases: model.biases, params: {} });
  same(withInfinity, rowsOf(30, 0.8), 'an infinite weight, rows mostly lit');
});

test("a scikit-learn softmax (Adult's race, 108 × 5) on its user's CSV rows scores through the dense layers' kernel with the loop's bits, and predicts the fixture's rows as one row at a time does", () => {
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
  const model = loadModelFile(join(fixtures, 'adult-race-softmax.json')) as LinearClassifier;
  const rows = labelledRowsForModel(join(fixtures, 'adult-population.csv'), model, 'race', silentProgress).features;
  assert.ok(rows.rows * model.weights.cols * model.weights.rows >= 1 << 16, 'enough multiply-adds for the kernel');
  const got = model.decisionFunction(rows).data;
  const want = loopScores(model, rows);
  for (let k = 0; k < want.length; k++) if (!Object.is(got[k], want[k])) assert.fail(`score ${k}: ${got[k]} against the loop's ${want[k]}`);
  // One row at a time stays in the loop: the same labels.
  const labels = model.predict(rows);
  for (let i = 0; i < rows.rows; i += 97) assert.equal(model.predict(selectRows(rows, [i]))[0], labels[i], `row ${i}`);
});

test('standardize (the default) leaves features that all lie in [0, 1] unscaled, as standardize=false fits them, and records it — on entries and in the row space; scikit-learn-like wide data is still scaled; a file that says standardize=true has its shadows scaled', () => {
  const blobs = makeBlobs(240, { centers: 3, features: 5, seed: 6 });
  const values = blobs.features.data;
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const unitValues = Float64Array.from(values, (value) => (value - low) / (high - low));
  for (let i = 0; i < 240; i++) unitValues[i * 5] = i % 61 === 0 ? 0.9 : 0; // a pixel lit in four images
  const unit = classificationDataset({ ...blobs, features: createMatrix(240, 5, unitValues) });
  // More columns than rows: the row-space fit.
  const wideUnit = classificationDataset({ ...unit, features: createMatrix(4, 60, Float64Array.from({ length: 240 }, (_, k) => unitValues[k])), labels: Int32Array.of(0, 1, 2, 0), schema: uniformNumericSchema(60, 'p', 0, 1) });
  for (const data of [unit, wideUnit]) {
    const byDefault = new LinearClassifierTrainer('softmax').fitSync(data);
    const raw = new LinearClassifierTrainer('softmax', { standardize: false }).fitSync(data);
    assert.equal(byDefault.params.standardize, false, `${data.features.cols} columns: recorded as unscaled`);
    assert.deepEqual(byDefault.weights.data, raw.weights.data);
    const forced = new LinearClassifierTrainer('softmax', { standardizeUnitInputs: true }).fitSync(data);
    assert.equal(forced.params.standardize, true);
    assert.notDeepEqual(forced.weights.data, raw.weights.data);
    const recipe = trainerParamsOf(forced);
    assert.equal(recipe.standardizeUnitInputs, true, "a file saying standardize=true: its shadows are scaled as it was");
    assert.deepEqual(new LinearClassifierTrainer('softmax', recipe).fitSync(data).weights.data, forced.weights.data);
  }
  const scaled = new LinearClassifierTrainer('softmax').fitSync(blobs);
  assert.equal(scaled.params.standardize, true, 'features outside [0, 1] are standardised as before');
});
