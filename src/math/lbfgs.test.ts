import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimizeLbfgs, minimizeLbfgsAsync, type Objective } from './lbfgs.ts';

/** The Rosenbrock function in n dimensions: a curved valley, minimum 0 at (1, …, 1). */
const rosenbrock: Objective = (x, gradient) => {
  gradient.fill(0);
  let value = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    value += 100 * a * a + b * b;
    gradient[i] += -400 * x[i] * a - 2 * b;
    gradient[i + 1] += 200 * a;
  }
  return value;
};

test('L-BFGS finds the Rosenbrock minimum with either line search', () => {
  const start = Float64Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  for (const lineSearch of ['backtracking', 'strong-wolfe'] as const) {
    const result = minimizeLbfgs(rosenbrock, start, { lineSearch, maxIterations: 2000, gradientTolerance: 1e-9 });
    assert.ok(result.value < 1e-12, `${lineSearch}: value ${result.value} after ${result.iterations} iterations`);
    for (const value of result.x) assert.ok(Math.abs(value - 1) < 1e-5, `${lineSearch}: ${Array.from(result.x)}`);
  }
  assert.deepEqual(start.slice(0, 2), Float64Array.from([-1.2, 1]), 'the start is not modified');
});

test('minimizeLbfgsAsync takes the same iterates as minimizeLbfgs from the same values (both line searches)', async () => {
  const start = Float64Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  for (const lineSearch of ['backtracking', 'strong-wolfe'] as const) {
    const seen: number[] = [];
    const sync = minimizeLbfgs(rosenbrock, start, { lineSearch, maxIterations: 300, gradientTolerance: 1e-9, onIteration: (_, value) => seen.push(value) });
    const seenAsync: number[] = [];
    const later = await minimizeLbfgsAsync(async (x, gradient) => {
      await new Promise((resolve) => setImmediate(resolve));
      return rosenbrock(x, gradient);
    }, start, { lineSearch, maxIterations: 300, gradientTolerance: 1e-9, onIteration: (_, value) => seenAsync.push(value) });
    assert.deepEqual(later.x, sync.x, lineSearch);
    assert.deepEqual(seenAsync, seen, `${lineSearch}: every iterate's value`);
    assert.equal(later.evaluations, sync.evaluations);
  }
});
