import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractionLevel, extractionVerdict, faceLevel, inversionLevel, inversionVerdict, membershipLevel, membershipVerdict, worse } from './verdicts.ts';

test('extraction levels: ≥ 99% agreement is high, ≥ 90% medium, below low — at the boundaries too', () => {
  assert.equal(extractionLevel(0.99), 'high');
  assert.equal(extractionLevel(0.9899), 'medium');
  assert.equal(extractionLevel(0.9), 'medium');
  assert.equal(extractionLevel(0.8999), 'low');
});

test('membership levels: AUC or TPR at 1% FPR, whichever is worse', () => {
  assert.equal(membershipLevel(0.5, 0.01), 'low');
  assert.equal(membershipLevel(0.55, 0), 'medium');
  assert.equal(membershipLevel(0.51, 0.02), 'medium', 'a few members named with confidence is a leak even at AUC near 0.5');
  assert.equal(membershipLevel(0.6, 0), 'high');
  assert.equal(membershipLevel(0.52, 0.05), 'high');
});

test('inversion levels: the gain over the commonest-value guess', () => {
  assert.equal(inversionLevel(0.7, 0.69), 'low');
  assert.equal(inversionLevel(0.72, 0.69), 'medium');
  assert.equal(inversionLevel(0.79, 0.69), 'high');
  assert.equal(inversionLevel(0.6, 0.69), 'low', 'worse than the baseline reveals nothing');
  assert.equal(inversionLevel(0.62, 0.52), 'high', '10 points, though 0.62 − 0.52 is 0.09999999999999998');
  assert.equal(inversionLevel(0.54, 0.52), 'low', 'exactly 2 points is not over 2');
  assert.equal(worse('low', 'medium'), 'medium');
  assert.equal(worse('high', 'medium'), 'high');
});

test('the extraction verdict names the cost under the published policy and the policy that lowers the level', () => {
  const verdict = extractionVerdict(
    [
      { policy: 'full', attack: 'equation-solving', agreement: 1, queries: 530, cost: 0.53 },
      { policy: 'rounded:2', attack: 'equation-solving', agreement: 0.999, queries: 530, cost: 0.53 },
      { policy: 'label-only', attack: 'retraining', agreement: 0.85, queries: 1080, cost: 1.08 },
    ],
    'your test rows',
  );
  assert.equal(verdict.level, 'high');
  assert.match(verdict.sentence, /^Under full, a copy agreeing on 100\.0% of your test rows costs 530 queries \(0\.5300\) with equation-solving\.$/);
  assert.match(verdict.helps, /^publishing under label-only: 85\.0% agreement for 1,080 queries lowers it, against the attacks measured$/);
  assert.match(verdict.thresholds, /high: a copy agrees on ≥ 99% of your test rows; medium: ≥ 90%/);
});

test('when no policy lowers a level, a policy that only raises the cost is named as such, and a lone policy asks for more', () => {
  const same = extractionVerdict(
    [
      { policy: 'full', attack: 'equation-solving', agreement: 1, queries: 530, cost: 0.05 },
      { policy: 'label-only', attack: 'retraining', agreement: 0.995, queries: 5000, cost: 0.5 },
    ],
    'rows',
  );
  assert.match(same.helps, /^no policy measured lowers it; label-only: 99\.5% agreement for 5,000 queries only raises the attacker's cost$/);
  const lone = membershipVerdict([{ policy: 'full', attack: 'lira', auc: 0.7, tprAt1: 0.1, tprAt01: 0.02, members: 100, nonMembers: 100, queries: 200 }]);
  assert.equal(lone.level, 'high');
  assert.match(lone.sentence, /AUC 0\.70 .* names 10\.0% of the members while wrongly accusing 1% of the others \(2\.0% at 0\.1%\)/);
  assert.match(lone.helps, /no other policy measured/);
});

test('the inversion verdict is decided by its worst column', () => {
  const verdict = inversionVerdict(
    [
      { feature: 'sex', attack: 'map', people: 100, accuracy: 0.7, baseline: 0.69, queries: 300 },
      { feature: 'marital', attack: 'map', people: 100, accuracy: 0.9, baseline: 0.5, queries: 300 },
    ],
    undefined,
    'nothing',
  );
  assert.equal(verdict.level, 'high');
  assert.match(verdict.sentence, /reveals the sensitive columns of 100 people: "sex" 70\.0% against 69\.0% .*; "marital" 90\.0% against 50\.0%/);
});

test('image inversion: half or more recognised is high, over twice chance medium; it joins the column verdict', () => {
  assert.equal(faceLevel(5, 10, 10), 'high');
  assert.equal(faceLevel(3, 10, 10), 'medium');
  assert.equal(faceLevel(2, 10, 10), 'low', 'twice chance is not above it');
  const verdict = inversionVerdict([], { images: 10, classes: 10, recognised: 7, references: 600 }, 'gradients');
  assert.equal(verdict.level, 'high');
  assert.equal(verdict.sentence, 'MI-Face drew one image per class from the model: 7 of 10 look most like one of your 600 member images of their own class (chance is 10.0%).');
  assert.match(verdict.thresholds, /^images: high when half or more/);
});

test('a figure beside a threshold prints on the side of it that decided the level: AUC 0.598 is not "0.60" under a medium verdict, 98.96% agreement not "99.0%"', () => {
  const membership = (auc: number, tprAt1: number) => membershipVerdict([{ policy: 'full', attack: 'threshold', auc, tprAt1, tprAt01: 0, members: 100, nonMembers: 100, queries: 200 }]);
  const below = membership(0.598, 0.0199);
  assert.equal(below.level, 'medium');
  assert.match(below.sentence, /AUC 0\.598 \(0\.5 is guessing\), and it names 1\.99% of the members/);
  const above = membership(0.6004, 0.0);
  assert.equal(above.level, 'high');
  assert.match(above.sentence, /AUC 0\.60 /, 'two decimals where they read on the right side');
  assert.match(membership(0.5496, 0).sentence, /AUC 0\.5496 /);
  const copy = extractionVerdict([{ policy: 'full', attack: 'retraining', agreement: 0.9896, queries: 100, cost: 0.01 }], 'rows');
  assert.equal(copy.level, 'medium');
  assert.match(copy.sentence, /a copy agreeing on 98\.96% of rows/);
  assert.match(extractionVerdict([{ policy: 'full', attack: 'retraining', agreement: 0.8996, queries: 100, cost: 0.01 }], 'rows').sentence, /agrees with your model on only 89\.96% of rows/);
});
