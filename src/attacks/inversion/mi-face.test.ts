import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniformNumericSchema } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import { LinearClassifier } from '../../models/linear/linear-classifier.ts';
import { resolveParams } from '../../models/params.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { RoundingOracle } from '../../defenses/rounding.ts';
import { differentiable } from './differentiable.ts';
import { miFace, MI_FACE_PARAMS } from './mi-face.ts';
import { miFaceBlackBox, MI_FACE_BLACK_BOX_PARAMS } from './mi-face-black-box.ts';

/** A softmax over 8×8 "faces": class c likes the pixels of column band c (2 columns) and dislikes the rest; the blank image favours class 0. */
function bandModel(): LinearClassifier {
  const classes = 4;
  const d = 64;
  const weights = createMatrix(classes, d);
  for (let c = 0; c < classes; c++) for (let p = 0; p < d; p++) weights.data[c * d + p] = Math.floor((p % 8) / 2) === c ? 1 : -0.5;
  return new LinearClassifier({ kind: 'softmax', classes: ['a', 'b', 'c', 'd'], schema: uniformNumericSchema(d, 'px', 0, 1), weights, biases: Float64Array.from([6, 0, 0, 0]), params: {} });
}

test('MI-Face raises each target confidence from a blank image and draws the class pattern', async () => {
  const model = bandModel();
  const blank = model.predictProba(createMatrix(1, 64)).data;
  const network = await differentiable(model);
  const result = await miFace(network, [1, 2, 3], resolveParams('mi-face', MI_FACE_PARAMS, {}));
  network.dispose();
  const scored = model.predictProba(result.images);
  [1, 2, 3].forEach((label, i) => {
    assert.ok(blank[label] < 0.01, 'the blank image is far from the target');
    assert.ok(result.confidences[i] >= 0.99, `confidence ${result.confidences[i]}`);
    assert.ok(Math.abs(scored.data[i * 4 + label] - result.confidences[i]) < 1e-4, 'the reported confidence is the returned image\'s');
    const image = result.images.data.subarray(i * 64, (i + 1) * 64);
    let inside = 0;
    let outside = 0;
    for (let p = 0; p < 64; p++) {
      if (Math.floor((p % 8) / 2) === label) inside += image[p] / 16;
      else outside += image[p] / 48;
    }
    assert.ok(inside > outside + 0.3, `band ${inside} vs rest ${outside}`);
    assert.ok(image.every((value) => value >= 0 && value <= 1), 'pixels stay in the domain');
  });
  await assert.rejects(miFace(await differentiable(model), [7], resolveParams('mi-face', MI_FACE_PARAMS, {})), /label 7 is not a class index/);
});

test('MI-Face stops after β steps without a lower cost and reports the confidence of the image it returns', async () => {
  const model = bandModel();
  const network = await differentiable(model);
  const params = resolveParams('mi-face', MI_FACE_PARAMS, { objective: 'probability', step: 50, patience: 3, confidence: 1, maxIterations: 2000 });
  const result = await miFace(network, [2], params);
  network.dispose();
  const scored = model.predictProba(result.images).data[2];
  assert.ok(Math.abs(scored - result.confidences[0]) < 1e-4, `scored ${scored} reported ${result.confidences[0]}`);
  assert.ok(result.iterations[0] < 2000, `ran ${result.iterations[0]} iterations`);
  assert.ok(scored > 0.99);
});

test('black-box MI-Face pays one query per block and step; rounded confidences stall it', async () => {
  const model = bandModel();
  const params = resolveParams('mi-face-black-box', MI_FACE_BLACK_BOX_PARAMS, { block: 2, maxIterations: 30, step: 0.2 });
  const oracle = new CountingOracle(new LocalOracle(model));
  const result = await miFaceBlackBox(oracle, 3, { width: 8, height: 8 }, params);
  assert.equal(oracle.queries, result.iterations * (16 + 1), "16 blocks of 2×2 and the current image per step");
  assert.ok(result.confidence > 0.9, `confidence ${result.confidence}`);
  const rounded = await miFaceBlackBox(new RoundingOracle(new LocalOracle(model), 0.05), 3, { width: 8, height: 8 }, params);
  assert.equal(rounded.confidence, 0, 'rounded to 0.05 the target confidence reads 0 and no step moves it');
  assert.ok(rounded.image.every((value) => value === 0));
  await assert.rejects(miFaceBlackBox(new LocalOracle(model, { kind: 'label-only' }), 3, { width: 8, height: 8 }, params), { code: 'capability' });
  await assert.rejects(miFaceBlackBox(oracle, 3, { width: 7, height: 8 }, params), /7×8 = 56 pixels, the model takes 64/);
});
