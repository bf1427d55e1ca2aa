/**
 * The oracle contract, run against LocalOracle and HttpOracle (through the in-process handler)
 * for every output policy: identical answers, identical counts, and the server's ledger equals
 * the attacker's own count.
 */

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { regressionDataset } from '../data/dataset.ts';
import { loadIrisEmbedded } from '../data/datasets/iris.ts';
import { createMatrix, selectRows } from '../math/matrix.ts';
import { LinearRegressionTrainer } from '../models/linear/linear-regression.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import type { Model } from '../models/types.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { OutputPolicy } from '../oracle/types.ts';
import { Rng } from '../random.ts';
import { testApi } from '../testing/api.ts';
import { HttpOracle } from './client.ts';

const iris = loadIrisEmbedded();
const rng = new Rng(11);
const queries = selectRows(iris.features, Array.from({ length: 30 }, () => rng.int(150)));
const partialQueries = createMatrix(2, 4, Float64Array.from([NaN, 3, NaN, 1.5, 6, NaN, 5, NaN]));
const regression = regressionDataset({
  name: 'petal',
  features: selectRows(iris.features, Array.from({ length: 150 }, (_, i) => i)),
  schema: iris.schema,
  targets: Float64Array.from({ length: 150 }, (_, i) => iris.features.data[i * 4 + 2] * 2 + 1),
  targetName: 'y',
});

const cases: { name: string; model: Model; policies: OutputPolicy[] }[] = [
  { name: 'softmax', model: new LinearClassifierTrainer('softmax').fitSync(iris), policies: [{ kind: 'full' }, { kind: 'rounded', decimals: 4 }, { kind: 'label-only' }, { kind: 'top-k', k: 2 }] },
  { name: 'tree', model: new DecisionTreeTrainer({ maxDepth: 4 }).fitSync(iris), policies: [{ kind: 'full' }, { kind: 'rounded', decimals: 2 }, { kind: 'label-only' }, { kind: 'top-k', k: 1 }] },
  { name: 'linear regression', model: new LinearRegressionTrainer().fitSync(regression), policies: [{ kind: 'full' }, { kind: 'rounded', decimals: 3 }] },
];

for (const { name, model, policies } of cases) {
  describe(`${name}: local and HTTP oracles agree`, () => {
    for (const policy of policies) {
      test(`policy ${formatPolicy(policy)}`, async () => {
        const api = testApi();
        const key = await api.owner('owner1');
        const id = (await api.call('POST', '/v1/models', { key, body: model.toJSON() })).body.id;
        await api.call('POST', `/v1/models/${id}/publish`, { key, body: { price: 0.5, policy: formatPolicy(policy) } });
        const local = new CountingOracle(new LocalOracle(model, policy, 0.5));
        const remote = new CountingOracle(await HttpOracle.connect('http://api.test', id, key, api.fetch));
        const { modelId: _ignored, ...remoteInfo } = remote.info;
        const { modelId: _none, ...localInfo } = local.info;
        assert.deepEqual(remoteInfo, localInfo);
        for (const batch of [queries, selectRows(queries, [0]), selectRows(queries, [3, 4, 5])]) {
          assert.deepEqual(await remote.query(batch), await local.query(batch));
        }
        if (model.kind === 'tree') assert.deepEqual(await remote.query(partialQueries), await local.query(partialQueries));
        assert.equal(remote.queries, local.queries);
        assert.equal(remote.requests, local.requests);
        const usage = (await api.call('GET', '/v1/usage', { key })).body.totals;
        assert.deepEqual({ requests: usage.requests, queries: usage.queries }, { requests: remote.requests, queries: remote.queries });
        assert.ok(Math.abs(usage.cost - remote.cost) < 1e-9, `billed ${usage.cost}, counted ${remote.cost}`);
      });
    }
  });
}

test('a query larger than the server takes is split into requests under its body limit', async () => {
  const model = cases[0].model;
  const api = testApi({ limits: { maxBodyBytes: 2000 } });
  const key = await api.owner('owner2');
  const id = (await api.call('POST', '/v1/models', { key, body: model.toJSON() })).body.id;
  const remote = await HttpOracle.connect('http://api.test', id, key, api.fetch, 1500);
  const rows = selectRows(iris.features, Array.from({ length: 150 }, (_, i) => i));
  assert.deepEqual(await remote.query(rows), await new LocalOracle(model).query(rows));
  const usage = (await api.call('GET', '/v1/usage', { key })).body.totals;
  assert.equal(usage.queries, 150);
  assert.ok(usage.requests >= 2, `${usage.requests} requests`);
});
