import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineScores, inversionScore } from './inversion.ts';
import { correlation, identifyByCorrelation, meanSquaredError, ssim } from './similarity.ts';
import { createMatrix } from '../math/matrix.ts';

test('inversion accuracy, precision and recall by hand; missing truths skipped', () => {
  // truth:   1 0 1 0 0 −1 ; guesses: 1 1 0 0 0 1
  const score = inversionScore([1, 1, 0, 0, 0, 1], [1, 0, 1, 0, 0, -1], 1);
  assert.deepEqual(score, { targets: 5, accuracy: 3 / 5, precision: 1 / 2, recall: 1 / 2, guessedPositive: 2 });
  const { majority, prior } = baselineScores([0.7, 0.3], [1, 0, 1, 0, 0], 1);
  assert.equal(majority.accuracy, 3 / 5);
  assert.ok(Number.isNaN(majority.precision), 'never guessing positive has no precision');
  assert.ok(Math.abs(prior.accuracy - (2 * 0.3 + 3 * 0.7) / 5) < 1e-12);
});

test('image similarity: SSIM 1 and MSE 0 for identical images, correlation ignores contrast', () => {
  const a = Float64Array.from({ length: 16 * 16 }, (_, i) => ((i * 37) % 17) / 17);
  assert.equal(meanSquaredError(a, a), 0);
  assert.ok(Math.abs(ssim(a, a, 16, 16) - 1) < 1e-12);
  const dim = a.map((value) => 0.2 * value + 0.1);
  assert.ok(Math.abs(correlation(a, dim) - 1) < 1e-12);
  assert.ok(ssim(a, dim, 16, 16) < 0.9);
  const images = createMatrix(2, a.length, Float64Array.from([...dim, ...new Float64Array(a.length)]));
  const references = createMatrix(2, a.length, Float64Array.from([...a.map((v) => 1 - v), ...a]));
  assert.deepEqual(Array.from(identifyByCorrelation(images, references, [4, 9])), [9, -1], 'a blank image is identified as no one');
  assert.throws(() => ssim(a, a, 10, 10), /expected 10×10/);
});
