import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NativeStepper } from './native-stepper.ts';
import { cnnStepGraphs } from './cnn-step-graph.ts';

const trace = JSON.parse(readFileSync(new URL('../../../../test/fixtures/torch/cnn-adam-trace.json', import.meta.url), 'utf8')) as {
  image: { height: number; width: number; channels: number };
  filters: number[];
  hidden: number;
  classes: number;
  x: number[];
  oneHot: number[];
  batches: number[][];
  runs: { l2: number; start: number[][]; losses: number[]; end: number[][] }[];
};

for (const run of trace.runs) {
  test(`native engine repeats PyTorch's Adam on a CNN step for step (odd sizes, windows of equal values, ${run.l2 > 0 ? `L2 ${run.l2}` : 'no L2'}; fixture made by make_cnn_adam_trace.py)`, async () => {
    const spec = { image: trace.image, filters: trace.filters, hidden: trace.hidden, classes: trace.classes, l2: run.l2, rows: 'double' as const };
    const stepper = await NativeStepper.create(cnnStepGraphs(spec), 'adam', run.start.map((p) => Float32Array.from(p)), 0.01);
    try {
      const rowSet = stepper.rowSet(Float64Array.from(trace.x), Float32Array.from(trace.oneHot));
      for (const [k, rows] of trace.batches.entries()) {
        const loss = await stepper.step(rowSet, Int32Array.from(rows));
        assert.ok(Math.abs(loss - run.losses[k]) <= 2e-5 * Math.max(1, Math.abs(run.losses[k])), `step ${k}: loss ${loss}, PyTorch ${run.losses[k]}`);
      }
      const end = stepper.parameters();
      run.end.forEach((expected, p) => {
        assert.equal(end[p].length, expected.length, `parameter ${p}'s size`);
        for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(end[p][i] - expected[i]) <= 1e-4, `parameter ${p} entry ${i}: ${end[p][i]}, PyTorch ${expected[i]}`);
      });
      assert.ok(run.losses.at(-1)! < run.losses[0] - 0.1, 'the fixture run learned');
    } finally {
      stepper.release();
    }
  });
}
