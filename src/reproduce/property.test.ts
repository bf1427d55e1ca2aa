/**
 * The test-size variant of `threatlab reproduce property` (20 targets and 20 shadows per share):
 * Ganju et al. (2018) find MLP parameters give a training set's property away; the goal is ≥ 80%
 * on Adult's share of women, 20% vs 50%, white-box. The black-box attacks pay their probes.
 */

import assert from 'node:assert/strict';
import { testWithData } from '../testing/shared-data.ts';
import { reproduceProperty } from './property.ts';

testWithData('reproduce property --quick: the MLP\'s parameters give away the share of women', ['adult-income'], async () => {
  const { rows } = await reproduceProperty({ quick: true });
  assert.equal(rows.length, 5, 'the MLP: three attacks under full answers, two under label-only');
  const mlp = rows.find((row) => row.model === 'MLP 32' && row.attack === 'parameters')!;
  assert.ok(mlp.accuracy >= 0.8 && mlp.interval[0] > 0.6, `MLP white-box accuracy ${mlp.accuracy} ${mlp.interval}`);
  for (const row of rows) assert.equal(row.queriesPerTarget, row.attack === 'parameters' ? 0 : row.attack === 'outputs' ? 500 : 1000, row.attack);
});
