import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBlobs, makeMoons } from '../../data/datasets/synthetic.ts';
import { fidelity } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import type { Classifier } from '../../models/types.ts';
import { Rng } from '../../random.ts';
import { hasCode } from '../../errors.ts';
import { runAttack } from '../runner.ts';
import { mlpRetraining, retraining } from './retraining.ts';

function uniformAgreement(target: Classifier, surrogate: Classifier): number {
  const rows = uniformRows(target.schema, 3000, new Rng(77));
  return fidelity(target, surrogate, rows, rows).uniform.agreement;
}

const blobs = makeBlobs(600, { seed: 8, std: 2.5 });

test('label-only retraining: adaptive beats uniform at the same budget, and both learn the target', async () => {
  const target = new LinearClassifierTrainer('softmax').fitSync(blobs);
  const oracle = new LocalOracle(target, { kind: 'label-only' });
  const adaptive = await runAttack(retraining, oracle, { seed: 1, params: { strategy: 'adaptive', queries: 120 } });
  const uniform = await runAttack(retraining, oracle, { seed: 1, params: { strategy: 'uniform', queries: 120 } });
  const lineSearch = await runAttack(retraining, oracle, { seed: 1, params: { strategy: 'line-search', queries: 120 } });
  for (const record of [adaptive, uniform, lineSearch]) {
    assert.equal(record.status, 'completed');
    assert.ok(record.queries <= 120);
  }
  const a = uniformAgreement(target, adaptive.outcome!.surrogate);
  const u = uniformAgreement(target, uniform.outcome!.surrogate);
  const l = uniformAgreement(target, lineSearch.outcome!.surrogate);
  assert.ok(a > 0.97, `adaptive ${a}`);
  assert.ok(l > 0.95, `line search ${l}`);
  assert.ok(u > 0.9, `uniform ${u}`);
  assert.ok(a >= u - 0.005, `adaptive ${a} vs uniform ${u}`);
});

test('MLP retraining from scores: a surrogate of the same architecture matches a moons network', async () => {
  const moons = makeMoons(800, { noise: 0.15, seed: 2 });
  const target = await new MlpTrainer({ hidden: '8', activation: 'tanh', epochs: 80, learningRate: 0.02, validationFraction: 0, standardize: false }).fit(moons, new Rng(3));
  const record = await runAttack(mlpRetraining, new LocalOracle(target), { seed: 4, params: { hidden: '8', budget: 2 } });
  assert.equal(record.queries, 2 * (3 * 8 + 9 * 2));
  const rows = uniformRows(target.schema, 3000, new Rng(77));
  const result = fidelity(target, record.outcome!.surrogate, rows, rows).uniform;
  // Float64 L-BFGS on the log-probability equations: the function is recovered, not approximated.
  assert.ok(result.agreement > 0.999, `agreement ${result.agreement}`);
  assert.ok(result.maxProbabilityGap < 0.01, `max |Δp| ${result.maxProbabilityGap}`);
  assert.equal(record.outcome!.surrogate.params.loss, 'logit');
  // Rounded scores bound each probability to ± half a step: the fit switches to the interval loss.
  const rounded = await runAttack(mlpRetraining, new LocalOracle(target, { kind: 'rounded', decimals: 2 }), { seed: 4, params: { hidden: '8', budget: 2 } });
  assert.equal(rounded.outcome!.surrogate.params.loss, 'interval');
  await assert.rejects(runAttack(mlpRetraining, new LocalOracle(target, { kind: 'rounded', decimals: 2 }), { seed: 4, params: { hidden: '8', loss: 'logit' } }), (e) => hasCode(e, 'validation') && /above 0/.test((e as Error).message + JSON.stringify(e)));
  await assert.rejects(runAttack(mlpRetraining, new LocalOracle(target), { seed: 4, params: { hidden: '8', loss: 'interval' } }), (e) => hasCode(e, 'validation'));
  const roundedAgreement = fidelity(target, rounded.outcome!.surrogate, rows, rows).uniform.agreement;
  assert.ok(roundedAgreement > 0.97, `agreement from rounded scores ${roundedAgreement}`);
});
