/**
 * Szegedy et al.'s L-BFGS with its rows solved side by side: the evaluations the rows ask for at
 * one time go out as one batch, and a failed batch fails the attack with its error, no row left
 * waiting. (Its results on real models, against the tfjs path: attack-graphs.test.ts.)
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThreatlabError } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import type { CrossEntropyGradient } from './cross-entropy-gradient.ts';
import type { GradientProblem } from './gradient-problem.ts';
import type { LogitModel } from './logits.ts';
import { SZEGEDY_DEFAULTS, szegedyLbfgs } from './szegedy-lbfgs.ts';

const d = 4;
const classes = 3;

/**
 * A linear model's cross-entropy, Z_k = 2·x_k (the fourth column unread), computed here in float32
 * arrays, each evaluation's batch size recorded; `failAt` makes that call throw.
 */
const weight = (k: number, j: number) => (k === j ? 2 : 0);

function linearCrossEntropy(batches: number[], failAt?: number): CrossEntropyGradient {
  const forCapacity = (capacity: number) => {
    const logits = new Float32Array(capacity * classes);
    const loss = new Float32Array(capacity);
    const gradient = new Float32Array(capacity * d);
    return {
      async evaluate(x: Float32Array, aim: Float32Array, rows: number) {
        batches.push(rows);
        if (batches.length === failAt) throw new ThreatlabError('internal', 'the cross-entropy call failed');
        for (let i = 0; i < rows; i++) {
          let largest = -Infinity;
          for (let k = 0; k < classes; k++) {
            let z = 0;
            for (let j = 0; j < d; j++) z += weight(k, j) * x[i * d + j];
            logits[i * classes + k] = z;
            largest = Math.max(largest, z);
          }
          let total = 0;
          for (let k = 0; k < classes; k++) total += Math.exp(logits[i * classes + k] - largest);
          const p = (k: number) => Math.exp(logits[i * classes + k] - largest) / total;
          let aimed = 0;
          for (let k = 0; k < classes; k++) if (aim[i * classes + k] === 1) aimed = k;
          loss[i] = -Math.log(p(aimed));
          for (let j = 0; j < d; j++) {
            let g = 0;
            for (let k = 0; k < classes; k++) g += (p(k) - (k === aimed ? 1 : 0)) * weight(k, j);
            gradient[i * d + j] = g;
          }
        }
        return { logits: logits.subarray(0, rows * classes), loss: loss.subarray(0, rows), gradient: gradient.subarray(0, rows * d) };
      },
      release: () => undefined,
    };
  };
  return Object.assign(forCapacity, { prepare: async () => undefined });
}

function problemWith(crossEntropy: CrossEntropyGradient, rows: number): GradientProblem {
  const inputs = createMatrix(rows, d, Float64Array.from({ length: rows * d }, (_, i) => ((i * 7) % 10) / 10));
  const model = { classes, inputSize: d, crossEntropy } as unknown as LogitModel;
  const domain = { lower: new Float64Array(d), upper: new Float64Array(d).fill(1), oneHot: [], integer: new Uint8Array(d) };
  return { model, domain, inputs, labels: new Int32Array(rows), targets: Int32Array.from({ length: rows }, (_, i) => 1 + (i % 2)) };
}

test("Szegedy's L-BFGS asks for the rows' evaluations together: the first call holds every row, none holds more, and each row reaches its target", async () => {
  const batches: number[] = [];
  const rows = 5;
  const problem = problemWith(linearCrossEntropy(batches), rows);
  const adversarial = await szegedyLbfgs(problem, { ...SZEGEDY_DEFAULTS, iterations: 20 });
  assert.equal(batches[0], rows);
  assert.ok(batches.every((size) => size >= 1 && size <= rows));
  // Fewer calls than evaluations: the rows shared them.
  const evaluations = batches.reduce((sum, size) => sum + size, 0);
  assert.ok(batches.length < evaluations, `${batches.length} calls for ${evaluations} evaluations`);
  for (let i = 0; i < rows; i++) {
    const scores = [0, 1, 2].map((k) => Array.from({ length: d }, (_, j) => weight(k, j) * adversarial.data[i * d + j]).reduce((a, b) => a + b, 0));
    assert.equal(scores.indexOf(Math.max(...scores)), problem.targets![i], `row ${i} reaches class ${problem.targets![i]}`);
  }
});

test("Szegedy's L-BFGS: a failed evaluation fails the attack with its error, every row stopped at once", async () => {
  const batches: number[] = [];
  await assert.rejects(szegedyLbfgs(problemWith(linearCrossEntropy(batches, 1), 5), SZEGEDY_DEFAULTS), /the cross-entropy call failed/);
  // Give any row left running a turn of the event loop to ask again: none does.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [5]);
});
