import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { noiseForEpsilon, privacySpent } from './accountant.ts';
import { multiply } from '../../math/linalg.ts';
import { dpPca, pcaProjection } from './dp-pca.ts';

/** 2,000 rows in 10 dimensions, almost all their spread along two known orthonormal directions. */
function twoDirections(): { features: Matrix; directions: Matrix } {
  const rng = new Rng(3);
  const directions = createMatrix(10, 2);
  // e1 + e2 and e3 − e4, normalised.
  directions.data[0 * 2] = directions.data[1 * 2] = Math.SQRT1_2;
  directions.data[2 * 2 + 1] = Math.SQRT1_2;
  directions.data[3 * 2 + 1] = -Math.SQRT1_2;
  const features = createMatrix(2000, 10);
  for (let r = 0; r < 2000; r++) {
    const [a, b] = [rng.normal(0, 3), rng.normal(0, 2)];
    for (let i = 0; i < 10; i++) features.data[r * 10 + i] = a * directions.data[i * 2] + b * directions.data[i * 2 + 1] + rng.normal(0, 0.05);
  }
  return { features, directions };
}

/** ‖Aᵀ B‖²_F: k when the two k-dimensional subspaces coincide, 0 when orthogonal. */
function overlap(a: Matrix, b: Matrix): number {
  let total = 0;
  for (let p = 0; p < a.cols; p++) {
    for (let q = 0; q < b.cols; q++) {
      let dot = 0;
      for (let i = 0; i < a.rows; i++) dot += a.data[i * a.cols + p] * b.data[i * b.cols + q];
      total += dot * dot;
    }
  }
  return total;
}

test('PCA finds the two directions; DP-PCA with Abadi et al.\'s σ_p = 4 nearly does, with σ_p = 400 it does not', () => {
  const { features, directions } = twoDirections();
  const exact = pcaProjection(features, 2);
  assert.ok(overlap(exact, directions) > 1.999, `exact: ${overlap(exact, directions)}`);
  assert.ok(Math.abs(overlap(exact, exact) - 2) < 1e-9, 'orthonormal columns');
  const dp = dpPca(features, 2, 4, new Rng(1));
  assert.equal(dp.noiseMultiplier, 4);
  assert.ok(overlap(dp.projection, directions) > 1.95, `σ_p 4: ${overlap(dp.projection, directions)}`);
  const drowned = dpPca(features, 2, 400, new Rng(1));
  assert.ok(overlap(drowned.projection, directions) < 1.5, `σ_p 400: ${overlap(drowned.projection, directions)}`);
  const again = dpPca(features, 2, 4, new Rng(1));
  assert.deepEqual(Array.from(again.projection.data), Array.from(dp.projection.data), 'seeded');
  const rows = multiply(features, exact);
  assert.equal(rows.cols, 2);
  assert.ok(Math.abs(rows.data[0] * exact.data[0] + rows.data[1] * exact.data[1] - features.data[0]) < 0.2, 'a row maps to its coordinates along the directions');
  assert.throws(() => dpPca(features, 11, 4, new Rng(1)), { code: 'validation' });
  assert.throws(() => dpPca(features, 2, 0, new Rng(1)), { code: 'validation' });
});

test('DP-PCA composes with DP-SGD in RDP: a full-data release of σ counts as one unsampled Gaussian step of σ', () => {
  const twoSteps = privacySpent({ samplingRate: 1, noiseMultiplier: 4, steps: 2 }, 1e-5);
  const stepAndRelease = privacySpent({ samplingRate: 1, noiseMultiplier: 4, steps: 1, fullDataGaussians: [4] }, 1e-5);
  assert.ok(Math.abs(twoSteps.epsilon - stepAndRelease.epsilon) < 1e-12);
  // Abadi et al.'s medium setting: lots of 600 of 60,000 for 30 epochs, DP-PCA σ_p = 7, target ε = 2.
  const run = { samplingRate: 0.01, steps: 3000 };
  const alone = noiseForEpsilon(run, 2, 1e-5);
  const withPca = noiseForEpsilon({ ...run, fullDataGaussians: [7] }, 2, 1e-5);
  assert.ok(withPca > alone, `the PCA's share leaves DP-SGD less: σ ${withPca} vs ${alone}`);
  const spent = privacySpent({ ...run, noiseMultiplier: withPca, fullDataGaussians: [7] }, 1e-5).epsilon;
  assert.ok(spent <= 2 && spent > 1.99, `ε spent ${spent}`);
});
