/**
 * The extraction attacks whose own tests run in-process, run again against the prediction API:
 * each target is uploaded and published with its output policy, the attack queries it through
 * `HttpOracle`, and the server's usage for the attacker's key equals the queries the attack counted.
 * (Equation solving and path finding have their HTTP runs in their own tests.)
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpOracle } from '../../api/client.ts';
import { makeCircles, makeMoons } from '../../data/datasets/synthetic.ts';
import { fidelity } from '../../metrics/fidelity.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { KernelLogisticTrainer } from '../../models/kernel/kernel-logistic.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import type { Classifier } from '../../models/types.ts';
import { formatPolicy } from '../../oracle/policy.ts';
import type { OutputPolicy } from '../../oracle/types.ts';
import { Rng } from '../../random.ts';
import { testApi } from '../../testing/api.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { Attack } from '../types.ts';
import { runAttack } from '../runner.ts';
import { EXTRACTION_ATTACKS, type SurrogateOutcome } from './index.ts';

async function attackOverHttp(target: Classifier, policy: OutputPolicy, attack: Attack<ParamSpecs, SurrogateOutcome>, params: Record<string, unknown>) {
  const api = testApi();
  const owner = await api.owner('owner1');
  const id = (await api.call('POST', '/v1/models', { key: owner, body: target.toJSON() })).body.id;
  await api.call('POST', `/v1/models/${id}/publish`, { key: owner, body: { price: 0.001, policy: formatPolicy(policy), visibility: 'public' } });
  const attacker = await api.owner('owner2');
  const record = await runAttack(attack, await HttpOracle.connect('http://api.test', id, attacker, api.fetch), { seed: 7, params });
  assert.equal(record.status, 'completed', `${attack.name}: ${record.status}`);
  const usage = (await api.call('GET', '/v1/usage', { key: attacker })).body;
  assert.equal(usage.totals.queries, record.queries, `${attack.name}: the server's ledger equals the attack's count`);
  const rows = uniformRows(target.schema, 3000, new Rng(8));
  return fidelity(target, record.outcome!.surrogate, rows, rows).uniform;
}

const moons = makeMoons(600, { noise: 0.2, seed: 5 });

test('label-only retraining (adaptive) and Lowd–Meek against a served label-only logistic model', async () => {
  const target = new LinearClassifierTrainer('logistic').fitSync(moons);
  const adaptive = await attackOverHttp(target, { kind: 'label-only' }, EXTRACTION_ATTACKS.retraining, { strategy: 'adaptive', queries: 200 });
  assert.ok(adaptive.agreement > 0.99, `adaptive retraining ${adaptive.agreement}`);
  const lowdMeek = await attackOverHttp(target, { kind: 'label-only' }, EXTRACTION_ATTACKS['lowd-meek'], {});
  assert.ok(lowdMeek.agreement > 0.999, `Lowd–Meek ${lowdMeek.agreement}`);
});

test('MLP retraining against a served MLP, full and rounded scores', async () => {
  const target = await new MlpTrainer({ hidden: '6', activation: 'tanh', epochs: 60, learningRate: 0.02, validationFraction: 0, standardize: false }).fit(moons, new Rng(3));
  const full = await attackOverHttp(target, { kind: 'full' }, EXTRACTION_ATTACKS['mlp-retraining'], { hidden: '6', budget: 2 });
  assert.ok(full.agreement > 0.999 && full.maxProbabilityGap < 0.01, `full scores: ${full.agreement}, max |Δp| ${full.maxProbabilityGap}`);
  const rounded = await attackOverHttp(target, { kind: 'rounded', decimals: 3 }, EXTRACTION_ATTACKS['mlp-retraining'], { hidden: '6', budget: 2 });
  assert.ok(rounded.agreement > 0.98, `rounded:3 ${rounded.agreement}`);
});

test('kernel equation solving and chosen queries against served models', async () => {
  const circles = makeCircles(600, { seed: 4 });
  const kernel = await new KernelLogisticTrainer({}).fit(circles, new Rng(2));
  const copied = await attackOverHttp(kernel, { kind: 'full' }, EXTRACTION_ATTACKS['kernel-equation-solving'], { gamma: kernel.gamma, centres: 100, queries: 400 });
  assert.ok(copied.agreement > 0.995, `kernel LR ${copied.agreement}`);
  const softmax = new LinearClassifierTrainer('softmax').fitSync(moons);
  const chosen = await attackOverHttp(softmax, { kind: 'full' }, EXTRACTION_ATTACKS['chosen-queries'], {});
  assert.ok(chosen.agreement === 1 && chosen.maxProbabilityGap < 1e-9, `chosen queries ${chosen.agreement}, max |Δp| ${chosen.maxProbabilityGap}`);
});
