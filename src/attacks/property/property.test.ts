/**
 * Property inference pieces on small seeded cases: the property is parsed and named, training
 * sets are drawn with exactly the asked share, the Wilson interval matches its closed form, and
 * the white-box meta-classifier tells 20% from 50% women apart on Adult MLPs (inputs standardised,
 * as threatlab trains them by default); the black-box attacks pay their probe queries per target.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdult } from '../../data/datasets/adult.ts';
import { Rng } from '../../random.ts';
import { TrainingPool } from '../../parallel/training-pool.ts';
import { subsetRows } from '../../data/dataset.ts';
import { parseProperty, propertyMask, sampleWithShare } from './property.ts';
import { wilsonInterval, trainTargets, scoreAttack } from './evaluate.ts';
import { fitPropertyAttack, trainShadows } from './meta-classifier.ts';

test('a property is parsed, named in errors, and training sets are drawn with exactly its share', () => {
  assert.deepEqual(parseProperty('sex=Female:0.2,0.5'), { feature: 'sex', level: 'Female', shares: [0.2, 0.5] });
  assert.throws(() => parseProperty('sex=Female:0.5,0.5'), /two different shares/);
  assert.throws(() => parseProperty('sex:0.2'), /FEATURE=LEVEL:SHARE0,SHARE1/);
  const adult = loadAdult('income');
  assert.throws(() => propertyMask(adult, parseProperty('gender=Female:0.2,0.5')), /no feature "gender"/);
  assert.throws(() => propertyMask(adult, parseProperty('sex=Woman:0.2,0.5')), /no level "Woman"; its levels are/);
  const spec = parseProperty('sex=Female:0.2,0.5');
  const mask = propertyMask(adult, spec);
  const women = mask.reduce((sum, flag) => sum + flag, 0);
  assert.equal(women, 10771, 'Adult has 10,771 women among 32,561 rows');
  const drawn = sampleWithShare(adult, mask, 0.2, 1000, new Rng(1));
  assert.equal(propertyMask(drawn, spec).reduce((sum, flag) => sum + flag, 0), 200);
  assert.throws(() => sampleWithShare(adult, mask, 1, 20000, new Rng(1)), /the pool has 10771 and 21790/);
});

test('the Wilson interval matches its closed form', () => {
  const [low, high] = wilsonInterval(8, 10);
  assert.ok(Math.abs(low - 0.4902) < 1e-4 && Math.abs(high - 0.9433) < 1e-4, `${low} ${high}`);
  assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
});

test('white-box meta-classifier on Adult MLPs tells 20% from 50% women; black-box attacks pay their probes', async () => {
  const adult = loadAdult('income');
  const order = new Rng(5).permutation(adult.features.rows);
  const [attacker, targetRows] = [subsetRows(adult, order.subarray(0, 16000)), subsetRows(adult, order.subarray(16000))];
  const spec = parseProperty('sex=Female:0.2,0.5');
  const trainer = { kind: 'mlp', params: { hidden: '16', epochs: 15, validationFraction: 0 } };
  const pool = new TrainingPool();
  try {
    const problem = { spec, pool: attacker, trainer, trainSize: 1000 };
    const targets = await trainTargets(pool, trainer, targetRows, spec, 10, 1000, 9);
    const shadows = await trainShadows(problem, 15, 10, pool);
    assert.equal(shadows.length, 30);
    const white = await scoreAttack(await fitPropertyAttack('parameters', problem, shadows, { probes: 200, seed: 11, policy: { kind: 'full' } }), targets, { kind: 'full' });
    assert.ok(white.accuracy >= 0.75, `white-box accuracy ${white.accuracy}`);
    assert.equal(white.queriesPerTarget, 0);
    const outputs = await scoreAttack(await fitPropertyAttack('outputs', problem, shadows, { probes: 200, seed: 11, policy: { kind: 'full' } }), targets, { kind: 'full' });
    assert.equal(outputs.queriesPerTarget, 200);
    const lossTest = await scoreAttack(await fitPropertyAttack('loss-test', problem, shadows, { probes: 200, seed: 11, policy: { kind: 'label-only' } }), targets, { kind: 'label-only' });
    assert.equal(lossTest.queriesPerTarget, 400, 'label-only: the error rate on 200 rows drawn with each share');
  } finally {
    await pool.close();
  }
});
