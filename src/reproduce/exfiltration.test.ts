/**
 * The test-size variant of `threatlab reproduce exfiltration` (a Fashion-MNIST MLP on 2,000
 * rows): thresholds from Song et al. (CCS 2017) — every malicious model validates within two
 * points of the benign one (one in the full run; seeds alone move this small one by 1.5); LSB
 * gives its images back exactly at every b; sign encoding within a few grey levels;
 * correlated-value encoding far above what the decoder reads from a benign model; capacity abuse
 * at the 4-bit floor plus what its label errors can cost; the θ detector flags the
 * correlated-value and sign models and no benign one.
 */

import assert from 'node:assert/strict';
import { testWithData } from '../testing/shared-data.ts';
import { reproduceExfiltration } from './exfiltration.ts';

testWithData('reproduce exfiltration --quick: four attacks that validate like benign training and give the images back', ['fashion-mnist'], async () => {
  const result = await reproduceExfiltration({ quick: true });
  assert.deepEqual(result.rows.map((row) => row.attack), ['lsb', 'correlation', 'sign', 'capacity']);
  const row = Object.fromEntries(result.rows.map((r) => [r.attack, r]));
  // The paper's bar is one point; on 2,000 training rows the benign trainer alone spans 1.5 points
  // over seeds 42–46 (0.8255–0.8405), so the quick variant allows two (the full run is held to one).
  for (const r of result.rows) assert.ok(r.maliciousTest >= r.benignTest - 0.02, `${r.attack}: ${r.maliciousTest} vs benign ${r.benignTest}`);
  assert.equal(row.lsb.mape, 0);
  assert.ok(row.lsb.items >= 400, `LSB hid ${row.lsb.items}`);
  assert.ok(row.sign.mape < 3, `sign MAPE ${row.sign.mape}`);
  assert.ok(row.correlation.mape < 30 && row.correlation.mape < row.correlation.benignMape! - 50, `correlation MAPE ${row.correlation.mape}, benign ${row.correlation.benignMape}`);
  const capacity = row.capacity;
  const labelCost = 255 * Math.min(1, 2 * (1 - capacity.syntheticAccuracy!));
  assert.ok(capacity.mape <= capacity.floor! + labelCost, `capacity MAPE ${capacity.mape}, floor ${capacity.floor}, synthetic labels held ${capacity.syntheticAccuracy}`);
  assert.equal(capacity.queries, capacity.syntheticRows);
  assert.ok(result.lsbSweep.every((sweep) => sweep.exact));
  assert.ok(result.lsbSweep.find((sweep) => sweep.bits === 16)!.loss < 0.01);
  const lsbScrubbed = result.defences.find((d) => d.attack === 'lsb' && d.defence === 'zero the low 16 bits')!;
  assert.equal(lsbScrubbed.mape, undefined, 'scrubbing the low bits destroys the LSB payload');
  assert.ok(Math.abs(lsbScrubbed.test - lsbScrubbed.before) < 0.01);
  assert.equal(result.detector!.truePositiveRate, 1);
  assert.equal(result.detector!.falsePositiveRate, 0);
});
