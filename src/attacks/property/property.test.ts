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

test('a draw from a partition made once takes the rows, in the order, that the draw on number arrays took', () => {
  // The draw as it was written before (2026-12-03): every reproduction's training sets came from it.
  const before = (mask: Uint8Array, share: number, size: number, rng: Rng): number[] => {
    const having: number[] = [];
    const lacking: number[] = [];
    mask.forEach((flag, i) => (flag ? having : lacking).push(i));
    const wanted = Math.round(share * size);
    rng.shuffle(having);
    rng.shuffle(lacking);
    return rng.shuffle([...having.slice(0, wanted), ...lacking.slice(0, size - wanted)]);
  };
  fc.assert(
    fc.property(fc.uint8Array({ min: 0, max: 1, minLength: 20, maxLength: 400 }), fc.integer({ min: 0, max: 0xffffffff }), fc.double({ min: 0, max: 1, noNaN: true }), (mask, seed, share) => {
      const [having, size] = [mask.reduce((sum, flag) => sum + flag, 0), Math.floor(mask.length / 4)];
      const wanted = Math.round(share * size);
      if (wanted > having || size - wanted > mask.length - having) return;
      const partition = propertyPartition(mask);
      assert.deepEqual(Array.from(sampleRowsWithShare(partition, share, size, new Rng(seed))), before(mask, share, size, new Rng(seed)));
      assert.deepEqual(sampleRowsWithShare(mask, share, size, new Rng(seed)), sampleRowsWithShare(partition, share, size, new Rng(seed)));
    }),
    { numRuns: 150, seed: 3 },
  );
});

