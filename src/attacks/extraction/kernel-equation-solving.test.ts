import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subsetRows } from '../../data/dataset.ts';
import { makeCircles } from '../../data/datasets/synthetic.ts';
import { fidelity } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { KernelLogisticTrainer } from '../../models/kernel/kernel-logistic.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { runAttack } from '../runner.ts';
import { kernelEquationSolving } from './kernel-equation-solving.ts';

test('kernel equation solving copies an RBF kernel LR on circles from 400 queries', async () => {
  const data = makeCircles(1000, { seed: 3 });
  const train = subsetRows(data, Array.from({ length: 600 }, (_, i) => i));
  const test = subsetRows(data, Array.from({ length: 400 }, (_, i) => 600 + i));
  const target = await new KernelLogisticTrainer({}).fit(train, new Rng(1));
  const record = await runAttack(kernelEquationSolving, new LocalOracle(target), { seed: 5, params: { gamma: target.gamma, centres: 100, queries: 400 } });
  assert.equal(record.queries, 400);
  const result = fidelity(target, record.outcome!.surrogate, test.features, uniformRows(target.schema, 5000, new Rng(9)));
  assert.ok(result.test.agreement >= 0.995 && result.uniform.agreement >= 0.995, `test ${result.test.agreement}, uniform ${result.uniform.agreement}`);
  assert.ok(result.uniform.maxProbabilityGap < 0.01, `max |Δp| ${result.uniform.maxProbabilityGap}`);
  await assert.rejects(runAttack(kernelEquationSolving, new LocalOracle(target), { seed: 5 }), /give the target's kernel width/);
  await assert.rejects(runAttack(kernelEquationSolving, new LocalOracle(target, { kind: 'label-only' }), { seed: 5, params: { gamma: 1 } }), { code: 'capability' });
  const linear = new LinearClassifierTrainer('logistic').fitSync(train);
  await assert.rejects(runAttack(kernelEquationSolving, new LocalOracle(linear), { seed: 5, params: { gamma: 1 } }), /extracts RBF-kernel logistic models/);
});

test('moving the centres with the coefficients (refine) beats centres fixed at the queries', async () => {
  const data = makeCircles(1000, { seed: 3 });
  const train = subsetRows(data, Array.from({ length: 600 }, (_, i) => i));
  const test = subsetRows(data, Array.from({ length: 400 }, (_, i) => 600 + i));
  const target = await new KernelLogisticTrainer({}).fit(train, new Rng(1));
  const rows = uniformRows(target.schema, 5000, new Rng(9));
  const run = async (refine: number) => {
    const record = await runAttack(kernelEquationSolving, new LocalOracle(target), { seed: 5, params: { gamma: target.gamma, centres: 10, queries: 400, refine } });
    return fidelity(target, record.outcome!.surrogate, test.features, rows);
  };
  const fixed = await run(0);
  const moved = await run(200);
  // Ten centres cannot span the target's 600 representers where they sit; moved, they can.
  assert.ok(fixed.test.agreement < 0.98, `fixed centres: ${fixed.test.agreement}`);
  assert.ok(moved.test.agreement > 0.995 && moved.uniform.agreement > 0.995, `moved centres: ${moved.test.agreement} / ${moved.uniform.agreement}`);
  assert.ok(moved.uniform.maxProbabilityGap < fixed.uniform.maxProbabilityGap / 5, `max |Δp| ${moved.uniform.maxProbabilityGap} vs ${fixed.uniform.maxProbabilityGap}`);
});
