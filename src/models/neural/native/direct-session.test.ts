import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../../random.ts';
import { createDirectSession } from './direct-session.ts';
import { GraphBuilder } from './onnx-graph.ts';

/** tanh(x·W + b) and its row sums: two outputs, a weight held in the graph. */
function graph(rng: Rng): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 5]);
  const b = g.input('b', [4]);
  const w = g.weight('w', Float32Array.from({ length: 20 }, () => rng.normal()), [5, 4]);
  g.node('Tanh', [g.node('Add', [g.node('MatMul', [x, w]), b])], {}, 'y');
  g.node('ReduceSum', ['y', g.integers([1])], { keepdims: { int: 0 } }, 'total');
  g.output('y', ['batch', 4]);
  g.output('total', ['batch']);
  return g.serialise('direct-session-test');
}

test("a direct session gives InferenceSession's outputs bit for bit: all outputs, named ones, and into preallocated tensors", async () => {
  const rng = new Rng(4);
  const bytes = graph(rng);
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 as const };
  const wrapped = await ort.InferenceSession.create(bytes, options);
  const direct = createDirectSession(bytes, options);
  assert.deepEqual(direct.inputNames, wrapped.inputNames);
  assert.deepEqual(direct.outputNames, wrapped.outputNames);
  for (const rows of [1, 7, 64]) {
    const feeds = { x: new ort.Tensor('float32', Float32Array.from({ length: rows * 5 }, () => rng.normal()), [rows, 5]), b: new ort.Tensor('float32', Float32Array.from({ length: 4 }, () => rng.normal()), [4]) };
    const expected = await wrapped.run(feeds);
    const all = await direct.run(feeds);
    for (const name of ['y', 'total']) {
      assert.ok(all[name] instanceof ort.Tensor, `${name} is a Tensor`);
      assert.deepEqual(all[name].dims, expected[name].dims);
      assert.deepEqual(Array.from(all[name].data as Float32Array), Array.from(expected[name].data as Float32Array), `${rows} rows: ${name}`);
    }
    const named = await direct.run(feeds, ['total']);
    assert.deepEqual(Object.keys(named), ['total']);
    assert.deepEqual(Array.from(named.total.data as Float32Array), Array.from(expected.total.data as Float32Array));
    const into = new Float32Array(rows * 4);
    await direct.run(feeds, { y: new ort.Tensor('float32', into, [rows, 4]) });
    assert.deepEqual(Array.from(into), Array.from(expected.y.data as Float32Array), `${rows} rows: written into the fetch`);
  }
  await wrapped.release();
  await direct.release();
});

test('a direct session refuses a missing input, an unknown output and a run after release, naming them', async () => {
  const direct = createDirectSession(graph(new Rng(5)));
  const x = new ort.Tensor('float32', new Float32Array(5), [1, 5]);
  await assert.rejects(direct.run({ x }), (error: Error & { code?: string }) => error.code === 'validation' && /input 'b' is missing/.test(error.message));
  const b = new ort.Tensor('float32', new Float32Array(4), [4]);
  await assert.rejects(direct.run({ x, b }, ['z']), (error: Error & { code?: string }) => error.code === 'validation' && /no output 'z'.*gives y, total/.test(error.message));
  await direct.release();
  await assert.rejects(direct.run({ x, b }), (error: Error & { code?: string }) => error.code === 'internal' && /after its release/.test(error.message));
});

test('a loop of awaited direct runs still lets the event loop turn (a timer set before it fires within the loop)', async () => {
  const direct = createDirectSession(graph(new Rng(6)));
  const feeds = { x: new ort.Tensor('float32', new Float32Array(5 * 256), [256, 5]), b: new ort.Tensor('float32', new Float32Array(4), [4]) };
  let fired = false;
  setTimeout(() => (fired = true), 1);
  const started = performance.now();
  let runs = 0;
  // Nothing but awaited runs, for 300 ms at most: without turns the timer could not fire until after.
  while (!fired && performance.now() - started < 300) {
    await direct.run(feeds);
    runs++;
  }
  assert.ok(fired, `the timer fired during ${runs} runs`);
  await direct.release();
});
