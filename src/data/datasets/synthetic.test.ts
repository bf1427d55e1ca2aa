import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classCounts } from '../dataset.ts';
import { makeBlobs, makeCircles, makeClassification, makeMoons } from './synthetic.ts';

test('circles: two rings at radius 1 and 0.5', () => {
  const circles = makeCircles(2000, { noise: 0 });
  assert.deepEqual(classCounts(circles), [1000, 1000]);
  for (let i = 0; i < 2000; i++) {
    const radius = Math.hypot(circles.features.data[2 * i], circles.features.data[2 * i + 1]);
    assert.ok(Math.abs(radius - (circles.labels[i] === 0 ? 1 : 0.5)) < 1e-12);
  }
});

test('generators are seeded: same seed same data, other seed other data', () => {
  assert.deepEqual(makeMoons(100, { seed: 3 }).features.data, makeMoons(100, { seed: 3 }).features.data);
  assert.notDeepEqual(makeMoons(100, { seed: 3 }).features.data, makeMoons(100, { seed: 4 }).features.data);
});

test('blobs are separable by nearest class mean most of the time', () => {
  const blobs = makeBlobs(3000, { std: 1 });
  const means = [0, 1, 2].map((c) => {
    let x = 0;
    let y = 0;
    let n = 0;
    for (let i = 0; i < 3000; i++) if (blobs.labels[i] === c) { x += blobs.features.data[2 * i]; y += blobs.features.data[2 * i + 1]; n++; }
    return [x / n, y / n];
  });
  let correct = 0;
  for (let i = 0; i < 3000; i++) {
    const point = [blobs.features.data[2 * i], blobs.features.data[2 * i + 1]];
    const distances = means.map((m) => Math.hypot(point[0] - m[0], point[1] - m[1]));
    if (distances.indexOf(Math.min(...distances)) === blobs.labels[i]) correct++;
  }
  assert.ok(correct / 3000 > 0.9);
});

test('make-classification: 5 balanced classes, redundant columns are combinations of informative ones', () => {
  const data = makeClassification(1000, { flipY: 0 });
  assert.deepEqual(classCounts(data), [200, 200, 200, 200, 200]);
  assert.equal(data.features.cols, 20);
});
