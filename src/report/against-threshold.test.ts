import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exponentialAgainst, fixedAgainst, percentAgainst } from './against-threshold.ts';

test('a figure keeps its decimals unless they would print it across a threshold', () => {
  assert.equal(fixedAgainst(0.613, [0.55, 0.6], 2), '0.61');
  assert.equal(fixedAgainst(0.598, [0.55, 0.6], 2), '0.598');
  assert.equal(fixedAgainst(0.59996, [0.6], 2), '0.59996');
  assert.equal(fixedAgainst(0.6, [0.6], 2), '0.60');
  assert.equal(percentAgainst(0.98951, [0.9, 0.99]), '98.95%');
  assert.equal(percentAgainst(0.99, [0.9, 0.99]), '99.0%');
  assert.equal(percentAgainst(0.5, []), '50.0%');
  assert.equal(exponentialAgainst(9.96e-7, [1e-6], 1), '9.96e-7', 'an exact copy is never printed as 1.0e-6 beside "below 1e-6 we call it exact"');
  assert.equal(exponentialAgainst(3.2e-14, [1e-6], 1), '3.2e-14');
});

test('property: the printed figure lies on the same side of every threshold as the figure', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), (value, thresholds) => {
      const printed = Number(fixedAgainst(value, thresholds, 2));
      const shareText = percentAgainst(value, thresholds);
      const share = Number(shareText.slice(0, -1)) / 100;
      return thresholds.every((t) => (value >= t) === (printed >= t) || Math.abs(value - t) < 1e-8) && thresholds.every((t) => (value >= t) === (share >= t) || Math.abs(value - t) < 1e-6);
    }),
    { numRuns: 2000, seed: 11 },
  );
});
