import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMatrix } from '../../math/matrix.ts';
import type { OutputPolicy } from '../../oracle/types.ts';
import { publishedRows, publishedScaledLogit, publishedTrueConfidence, scaledLogit, trueConfidence } from './signals.ts';

const policies: OutputPolicy[] = [{ kind: 'full' }, { kind: 'rounded', decimals: 2 }, { kind: 'rounded', decimals: 0 }, { kind: 'top-k', k: 1 }, { kind: 'top-k', k: 2 }, { kind: 'label-only' }];

test("LiRA's and RMIA's signals read from the published matrix are the arrays' values bit for bit, under every output policy — labels without a column too", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...policies), (rows, cols, seed, policy) => {
      let state = seed;
      const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const data = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        // Softmax-like rows, with exact 0 and 1 among them.
        const raw = Array.from({ length: cols }, () => (next() < 0.15 ? 0 : next()));
        if (next() < 0.1) raw.fill(0).splice(0, 1, 1);
        const sum = raw.reduce((a, b) => a + b, 0) || 1;
        raw.forEach((value, c) => (data[i * cols + c] = value / sum));
      }
      const probabilities = createMatrix(rows, cols, data);
      const labels = Int32Array.from({ length: rows }, () => Math.floor(next() * (cols + 1)) - (next() < 0.1 ? cols + 1 : 0)); // some without a column
      const arrays = publishedRows(probabilities, policy);
      const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
      assert.ok(same(publishedScaledLogit(probabilities, policy, labels), scaledLogit(arrays, labels)), `${policy.kind} φ`);
      assert.ok(same(publishedTrueConfidence(probabilities, policy, labels), trueConfidence(arrays, labels)), `${policy.kind} p_y`);
      assert.deepEqual(probabilities.data, data, 'the model\'s own matrix untouched');
    }),
    { numRuns: 300, seed: 24 },
  );
});
