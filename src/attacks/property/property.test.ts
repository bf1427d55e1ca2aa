/**
 * Property inference pieces on small seeded cases: the property is parsed and named, training
 * sets are drawn with exactly the asked share, and the Wilson interval matches its closed form.
 * The attacks themselves are measured by the quick reproduction (src/reproduce/property.test.ts)
 * and, through the CLI and a real server, by src/cli/property.test.ts.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdult } from '../../data/datasets/adult.ts';
import { Rng } from '../../random.ts';
import { loadSmsSpam } from '../../data/datasets/spam.ts';
import fc from 'fast-check';
import { parseProperty, propertyMask, propertyPartition, sampleRowsWithShare, sampleWithShare } from './property.ts';
import { wilsonInterval } from './evaluate.ts';
import { parameterRepresentation } from './representations.ts';
import { DecisionTreeTrainer } from '../../models/tree/cart.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';

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

test('a tree reads as one vector per input column whatever its shape; a split on the property\'s column carries its share', () => {
  const adult = loadAdult('income');
  const spec = parseProperty('sex=Female:0.2,0.5');
  const mask = propertyMask(adult, spec);
  const drawn = sampleWithShare(adult, mask, 0.2, 2000, new Rng(2));
  const tree = new DecisionTreeTrainer({ maxDepth: 3 }).fitSync(drawn);
  const vector = parameterRepresentation(tree);
  assert.equal(vector.length, 3 * adult.features.cols + 2);
  assert.ok(Math.abs(vector.at(-1)! + vector.at(-2)! - 1) < 1e-12, 'root class shares sum to 1');
  const linear = parameterRepresentation(new LinearClassifierTrainer('logistic').fitSync(drawn));
  assert.equal(linear.length, adult.features.cols + 1);
});

test('a property may name the target: the share of spam in an SMS filter\'s training set', () => {
  const sms = loadSmsSpam();
  const spec = parseProperty('label=spam:0.1,0.3');
  const mask = propertyMask(sms, spec);
  assert.equal(mask.reduce((sum, flag) => sum + flag, 0), 747, 'the SMS collection has 747 spam among 5,574');
  const drawn = sampleWithShare(sms, mask, 0.3, 1000, new Rng(3));
  assert.equal(Array.from(drawn.labels).filter((label) => label === 1).length, 300);
  assert.throws(() => propertyMask(sms, parseProperty('label=junk:0.1,0.3')), /the target "label" of .* has no class "junk"; its classes are "ham", "spam"/);
});

test('a draw takes exactly its share from each side, distinct rows of the pool, and the same rows from a partition made once as from the mask', () => {
  fc.assert(
    fc.property(fc.uint8Array({ min: 0, max: 1, minLength: 20, maxLength: 400 }), fc.integer({ min: 0, max: 0xffffffff }), fc.double({ min: 0, max: 1, noNaN: true }), (mask, seed, share) => {
      const [having, size] = [mask.reduce((sum, flag) => sum + flag, 0), Math.floor(mask.length / 4)];
      const wanted = Math.round(share * size);
      if (wanted > having || size - wanted > mask.length - having) return;
      const partition = propertyPartition(mask);
      const rows = sampleRowsWithShare(partition, share, size, new Rng(seed));
      assert.equal(rows.length, size);
      assert.equal(new Set(rows).size, size, 'no row twice');
      assert.ok(rows.every((row) => row >= 0 && row < mask.length));
      assert.equal(Array.from(rows).filter((row) => mask[row] === 1).length, wanted, 'round(share · size) rows with the property');
      assert.deepEqual(sampleRowsWithShare(mask, share, size, new Rng(seed)), rows);
    }),
    { numRuns: 150, seed: 3 },
  );
  // Every row with the property is as likely to be drawn as any other (120 of 400 rows, 30 drawn a time).
  const mask = Uint8Array.from({ length: 400 }, (_, i) => (i % 10 < 3 ? 1 : 0));
  const partition = propertyPartition(mask);
  const counts = new Array(400).fill(0);
  const rng = new Rng(5);
  for (let d = 0; d < 4000; d++) for (const row of sampleRowsWithShare(partition, 0.5, 60, rng)) counts[row]++;
  // 4,000 draws: a row with the property in 30/120 of them (1,000), one without in 30/280 (~429).
  for (let row = 0; row < 400; row++) assert.ok(Math.abs(counts[row] - (mask[row] ? 1000 : 4000 * 30 / 280)) < 110, `row ${row}: ${counts[row]}`);
});

