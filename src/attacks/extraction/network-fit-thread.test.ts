/**
 * The network fit on a worker thread of its own (network-fit-thread.ts): the same copy as the fit
 * in this thread, bit for bit, on models made outside threatlab, with its events, its generator
 * left where the fit leaves it, and its failures as errors of the caller.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hasCode } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Mlp } from '../../models/neural/mlp.ts';
import type { Classifier } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { runAttack } from '../runner.ts';
import { fitNetworkToProbabilities, type NetworkFitOptions } from './network-fit.ts';
import { fitNetworkOffThread } from './network-fit-thread.ts';
import { mlpRetraining } from './retraining.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');

/** A small softmax-of-inputs problem: 200 rows of 6 inputs, 3 classes. */
function problem(): { x: ReturnType<typeof createMatrix>; observed: ReturnType<typeof createMatrix> } {
  const rng = new Rng(11);
  const [n, d, k] = [200, 6, 3];
  const x = createMatrix(n, d, Float64Array.from({ length: n * d }, () => 2 * rng.uniform() - 1));
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += p[i * k + c] = Math.exp(2 * x.data[i * d + c]);
    for (let c = 0; c < k; c++) p[i * k + c] /= sum;
  }
  return { x, observed: createMatrix(n, k, p) };
}

const options = (rng: Rng): NetworkFitOptions => ({ sizes: [6, 4, 3], hiddenActivation: 'tanh', loss: 'logit', l2: 0, maxIterations: 120, restarts: 2, rng, checkpointEvery: 50 });

test('a fit on its own thread is the fit of this thread: the same layers and loss, the same events, the generator left in the same place', async () => {
  const { x, observed } = problem();
  const [here, there] = [new Rng(5), new Rng(5)];
  const events = { here: [] as string[], there: [] as string[] };
  const record = (log: string[]) => ({
    onStart: (start: number, loss: number) => log.push(`start ${start} ${loss}`),
    onCheckpoint: (layers: { weights: Float64Array }[], loss: number) => log.push(`checkpoint ${loss} ${layers[0].weights[0]}`),
    onProgress: (iterations: number) => log.push(`progress ${iterations}`),
  });
  const a = fitNetworkToProbabilities(x, observed, { ...options(here), ...record(events.here) });
  const xBefore = x.data.slice();
  const b = await fitNetworkOffThread(x, observed, { ...options(there), ...record(events.there) });
  assert.equal(b.loss, a.loss);
  assert.equal(b.iterations, a.iterations);
  assert.deepEqual(b.layers, a.layers);
  assert.deepEqual(events.there, events.here);
  assert.ok(events.here.some((line) => line.startsWith('checkpoint')) && events.here.filter((line) => line.startsWith('start')).length === 2, events.here.join('; '));
  assert.ok(events.here.includes('progress 50'), `progress every 50 iterations: ${events.here.join('; ')}`);
  assert.equal(there.uniform(), here.uniform(), 'the generator continues where the fit left it');
  assert.deepEqual(x.data, xBefore, "the caller's rows are kept");
});

test('a callback that throws, or a fit refused on its thread, fails the caller with its error and code', async () => {
  const { x, observed } = problem();
  await assert.rejects(
    fitNetworkOffThread(x, observed, { ...options(new Rng(1)), onCheckpoint: () => { throw new Error('disk full'); } }),
    /disk full/,
  );
  // Rows of 5 columns for a network of 6 inputs: refused on the worker, and the caller gets the refusal.
  const narrow = createMatrix(x.rows, 5, x.data.subarray(0, x.rows * 5));
  assert.throws(() => fitNetworkToProbabilities(narrow, observed, options(new Rng(1))), (error) => hasCode(error, 'validation') && /the rows have 5 columns; the network takes 6 inputs/.test(error.message));
  await assert.rejects(fitNetworkOffThread(narrow, observed, options(new Rng(1))), (error) => hasCode(error, 'validation') && /the rows have 5 columns; the network takes 6 inputs/.test(error.message));
});

test('a fit stopped by its signal fails with cancelled at once, its thread terminated; a signal already stopped starts none', async () => {
  const { x, observed } = problem();
  const stop = new AbortController();
  // 500 starts: seconds of work, were it not stopped.
  const fit = fitNetworkOffThread(x, observed, { ...options(new Rng(1)), restarts: 500 }, stop.signal);
  setTimeout(() => stop.abort(), 50);
  await assert.rejects(fit, (error) => hasCode(error, 'cancelled') && /the network fit was stopped/.test(error.message));
  await assert.rejects(fitNetworkOffThread(x, observed, options(new Rng(1)), stop.signal), (error) => hasCode(error, 'cancelled'));
});

test("mlp-retraining off the thread steals scikit-learn's Adult MLP exactly as it does here: the same queries, the same copy", async () => {
  const target = loadModelFile(join(fixtures, 'adult-mlp.json')) as Classifier;
  const steal = (offThread: boolean) => runAttack(mlpRetraining, new LocalOracle(target), { seed: 4, params: { iterations: 40 }, offThread });
  const [here, there] = [await steal(false), await steal(true)];
  assert.equal(there.queries, here.queries);
  assert.equal(there.outcome!.loss, here.outcome!.loss);
  const layers = (record: typeof here) => (record.outcome!.surrogate as Mlp).layers;
  assert.deepEqual(layers(there), layers(here));
  assert.ok(here.queries > 7000, `${here.queries} queries: 1× the unknowns`);
});
