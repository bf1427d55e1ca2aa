import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdult } from '../../data/datasets/adult.ts';
import { uniformNumericSchema } from '../../data/schema.ts';
import { Rng } from '../../random.ts';
import { inputDomain, isValidRow, repairRow, repairRows, type InputDomain } from './domain.ts';

/** Rows spread past the box (a third of them exact zeros, some on the bounds, some −0), as attacks leave them. */
function perturbedRows(domain: InputDomain, rows: number, rng: Rng): Float64Array {
  const cols = domain.lower.length;
  return Float64Array.from({ length: rows * cols }, (_, k) => {
    const j = k % cols;
    const spread = Number.isFinite(domain.upper[j] - domain.lower[j]) ? domain.upper[j] - domain.lower[j] : 1;
    const pick = rng.uniform();
    if (pick < 0.3) return 0;
    if (pick < 0.35) return -0;
    if (pick < 0.4) return domain.lower[j];
    if (pick < 0.45) return domain.upper[j];
    return domain.lower[j] + (rng.uniform() * 1.6 - 0.3) * spread;
  });
}

test("repairRows makes the rows repairRow makes, value for value (signed zeros too): a box of pixels, and Adult's one-hot groups and whole-number columns; rows named consecutively, with gaps and out of order; rows not named untouched", () => {
  const adult = loadAdult('income');
  const domains: [string, InputDomain][] = [
    ['pixels in [0, 1]', inputDomain(uniformNumericSchema(784, 'pixel', 0, 1))],
    ['Adult', inputDomain(adult.schema, adult.features)],
  ];
  assert.ok(domains[1][1].oneHot.length > 0 && domains[1][1].integer.some((flag) => flag === 1), 'Adult has one-hot groups and whole-number columns');
  const rng = new Rng(5);
  for (const [name, domain] of domains) {
    const cols = domain.lower.length;
    const data = perturbedRows(domain, 300, rng);
    for (const rows of [Array.from({ length: 300 }, (_, k) => k), Array.from({ length: 100 }, (_, k) => 2 * k + 1), Array.from({ length: 120 }, (_, k) => (k * 7) % 300)]) {
      const ours = Float64Array.from(data);
      const theirs = Float64Array.from(data);
      repairRows(domain, ours, cols, rows);
      for (const row of rows) repairRow(domain, theirs.subarray(row * cols, (row + 1) * cols));
      for (let k = 0; k < ours.length; k++) {
        if (!Object.is(ours[k], theirs[k])) assert.fail(`${name}, ${rows.length} rows: value ${k} is ${ours[k]}, repairRow gives ${theirs[k]}`);
      }
      for (const row of rows) assert.ok(isValidRow(domain, ours.subarray(row * cols, (row + 1) * cols)), `${name}: row ${row} repaired is valid`);
    }
  }
});
