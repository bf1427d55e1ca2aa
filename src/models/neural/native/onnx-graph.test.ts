/**
 * The ONNX writer's subgraphs (a Scan's body reading the outer graph's values by name) and nodes
 * of several outputs, run by onnxruntime-node: DeepFool's graph takes its way back a class at a
 * time this way (gradient-graphs.ts).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './onnx-graph.ts';

test('a Scan written by GraphBuilder runs on onnxruntime: its body reads an outer value by name, makes constants of its own, and gives two stacked outputs', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 3]);
  const seeds = g.input('seeds', ['steps', 'batch', 3]);
  // An outer value computed by a node (not a graph input), and an outer constant named const_0.
  const scaled = g.node('Mul', [x, g.constant([2])]);
  const body = new GraphBuilder('scan_');
  const seed = body.input('scan_seed', ['batch', 3]);
  // The body's own constant is const_0 too, but prefixed: no clash with the outer graph's.
  body.node('Add', [body.node('Mul', [seed, scaled]), body.constant([1])], {}, 'scan_sum');
  body.node('ReduceSum', ['scan_sum', body.integers([1])], { keepdims: { int: 0 } }, 'scan_total');
  body.output('scan_sum', ['batch', 3]);
  body.output('scan_total', ['batch']);
  const [sums, totals] = g.nodeWithOutputs('Scan', [seeds], 2, { body: { graph: body }, num_scan_inputs: { int: 1 } });
  g.node('Identity', [sums], {}, 'sums');
  g.node('Identity', [totals], {}, 'totals');
  g.output('sums', ['steps', 'batch', 3]);
  g.output('totals', ['steps', 'batch']);
  const session = await ort.InferenceSession.create(g.serialise('scan-test'));
  const xs = Float32Array.of(1, 2, 3, -1, 0.5, 4);
  const seedValues = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => (i % 5) - 2);
  const out = await session.run({ x: new ort.Tensor('float32', xs, [2, 3]), seeds: new ort.Tensor('float32', seedValues, [4, 2, 3]) });
  assert.deepEqual(out.sums.dims, [4, 2, 3]);
  assert.deepEqual(out.totals.dims, [4, 2]);
  const sumsData = out.sums.data as Float32Array;
  const totalsData = out.totals.data as Float32Array;
  for (let step = 0; step < 4; step++) {
    for (let row = 0; row < 2; row++) {
      let total = 0;
      for (let j = 0; j < 3; j++) {
        const expected = seedValues[step * 6 + row * 3 + j] * 2 * xs[row * 3 + j] + 1;
        assert.equal(sumsData[step * 6 + row * 3 + j], expected);
        total += expected;
      }
      assert.equal(totalsData[step * 2 + row], total);
    }
  }
  await session.release();
});
