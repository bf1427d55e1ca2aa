/**
 * MLP retraining with the attacker's own rows (Papernot et al. 2017; Orekondy et al. 2019), the
 * architecture read from what the target reveals, and checkpoints of the best surrogate so far.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createMatrix } from '../../math/matrix.ts';
import { agreementOn } from '../../metrics/fidelity.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier, Model } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { testWithData } from '../../testing/shared-data.ts';
import { adultPoolProblem } from '../../testing/adult-pool.ts';
import { runAttack } from '../runner.ts';
import { mlpRetraining } from './retraining.ts';

testWithData("a pool of the attacker's real rows beats uniform queries on real rows: Adult ReLU MLP, 1× its unknowns", ['adult-income'], async () => {
  const { target, pool, heldOut } = await adultPoolProblem();
  const agreement = async (withPool: boolean) => {
    const record = await runAttack(mlpRetraining, new LocalOracle(target), { seed: 3, params: { iterations: 600 }, pool: withPool ? pool.features : undefined });
    assert.equal(record.queries, 2222, '1× the unknowns of 108-20-2');
    assert.deepEqual([record.outcome!.hidden, record.outcome!.activation], [[20], 'relu'], 'the architecture comes from the target');
    assert.equal(record.outcome!.poolRows, withPool ? 2222 : 0);
    return agreementOn(target, record.outcome!.surrogate, heldOut.features).agreement;
  };
  const [uniform, pooled] = [await agreement(false), await agreement(true)];
  assert.ok(pooled >= 0.96, `with the pool: ${pooled}`);
  assert.ok(pooled - uniform >= 0.05, `uniform ${uniform}, pool ${pooled}`);
});

test('the architecture of a scikit-learn MLP is read from its info, and a long fit hands over its best surrogate as it goes', async () => {
  const target = loadModelFile(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn', 'iris-mlp.json')) as Classifier;
  const checkpoints: Model[] = [];
  const record = await runAttack(mlpRetraining, new LocalOracle(target), { seed: 1, params: { iterations: 300 }, checkpoint: (surrogate) => checkpoints.push(surrogate) });
  assert.deepEqual([record.outcome!.hidden, record.outcome!.activation], [[16, 8], 'relu']);
  assert.ok(checkpoints.length >= 1, `${checkpoints.length} checkpoints`);
  assert.equal(checkpoints[0].kind, 'mlp');
  assert.equal((checkpoints[0] as Classifier).predict(target.schema.features.length === 4 ? createMatrix(1, 4, Float64Array.of(5.1, 3.5, 1.4, 0.2)) : createMatrix(0, 0)).length, 1, 'a checkpoint is a usable model');
});
