/**
 * The test-size variant of `threatlab reproduce inversion`: thresholds derived from Fredrikson
 * et al. (2014, 2015) — white-box tree inversion is far more precise on training-set members
 * than on non-members; the black-box MAP estimator beats the majority baseline on members;
 * VKORC1 is recovered above its prior baseline; MI-Face softmax reconstructions are recognised;
 * rounding confidences stalls black-box MI-Face.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testWithData } from '../testing/shared-data.ts';
import { reproduceInversion, type InversionRow } from './inversion.ts';

testWithData('reproduce inversion --quick: members leak, rounding defends', ['steak-eaters', 'warfarin', 'att-faces'], async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'threatlab-inversion-'));
  const { rows, files, seed } = await reproduceInversion({ quick: true, outDir });
  assert.equal(seed, 42);
  const row = (prefix: string): NonNullable<InversionRow['ours']> => {
    const found = rows.find((candidate) => candidate.name.startsWith(prefix));
    assert.ok(found?.ours, `row ${prefix}: ${found?.note}`);
    return found.ours;
  };
  const white = row('steak survey: white-box');
  assert.ok(Number(white.membersPrecision) >= 0.9, `members precision ${white.membersPrecision} (paper 100%)`);
  assert.ok(!(Number(white.nonMembersPrecision) >= 0.5), `non-members precision ${white.nonMembersPrecision} (paper < 20%)`);
  const black = row('steak survey: black-box');
  assert.ok(Number(black.membersAccuracy) > Number(black.baselineMajorityAccuracy), 'black-box beats always-majority on members');
  assert.ok(Math.abs(Number(black.membersAccuracy) - 0.858) < 0.05, `accuracy ${black.membersAccuracy} within 5 points of the paper's 85.8%`);
  const vkorc1 = row('warfarin: VKORC1');
  assert.ok(Number(vkorc1.membersAccuracy) > Number(vkorc1.membersBaselineMajority) + 0.1, `VKORC1 ${vkorc1.membersAccuracy} vs baseline ${vkorc1.membersBaselineMajority}`);
  const softmax = row('faces: MI-Face, softmax');
  assert.ok(Number(softmax.identifiedNearest) >= 0.75, `identified ${softmax.identifiedNearest}`);
  assert.ok(Number(softmax.meanConfidence) >= 0.98);
  const blackBox = row('faces: black-box MI-Face on softmax, full');
  const rounded = row('faces: black-box MI-Face on softmax, confidences rounded to 0.05');
  assert.ok(Number(blackBox.meanConfidence) > 0.9 && Number(rounded.meanConfidence) < 0.05, 'rounding to 0.05 stalls the finite differences');
  assert.ok(Number(rounded.identifiedNearest) < Number(blackBox.identifiedNearest));
  const depth0 = row('steak survey: sensitive feature split at depth 0');
  assert.ok(Number(depth0.membersPrecision) < Number(white.membersPrecision), 'splitting the sensitive feature at the root lowers the white-box precision');
  assert.ok(files.length === 1 && existsSync(files[0]), 'the softmax face grid is written');
});
