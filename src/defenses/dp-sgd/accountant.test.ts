import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hasCode } from '../../errors.ts';
import { logMomentSampledGaussian, noiseForEpsilon, privacySpent, rdpSampledGaussian } from './accountant.ts';

const reference = JSON.parse(readFileSync(new URL('../../../test/fixtures/defenses/rdp-reference.json', import.meta.url), 'utf8')) as {
  cases: { q: number; sigma: number; alpha: number; logA: number }[];
};

test('log A_α of the sampled Gaussian matches SciPy integrating its definition (integer and fractional orders)', () => {
  assert.ok(reference.cases.length >= 15);
  for (const c of reference.cases) {
    const ours = logMomentSampledGaussian(c.q, c.sigma, c.alpha);
    assert.ok(Math.abs(ours - c.logA) <= 1e-7 * Math.abs(c.logA), `q=${c.q} σ=${c.sigma} α=${c.alpha}: ${ours} vs SciPy ${c.logA}`);
  }
});

test('without sampling the RDP is the Gaussian mechanism\'s α/(2σ²) per step, and ε has its closed form', () => {
  assert.equal(rdpSampledGaussian(1, 2, 10, 4), (10 * 4) / 8);
  // ε(α) = Tα/(2σ²) + log(1/δ)/(α−1) is smallest near α* = 1 + σ·sqrt(2 log(1/δ)/T).
  const [sigma, steps, delta] = [5, 1, 1e-5];
  const closed = 1 / (2 * sigma * sigma) + Math.sqrt((2 * Math.log(1 / delta)) / (sigma * sigma));
  const spent = privacySpent({ samplingRate: 1, noiseMultiplier: sigma, steps }, delta, 'mironov2017');
  assert.ok(spent.epsilon >= closed - 1e-9 && spent.epsilon < closed * 1.02, `${spent.epsilon} vs ${closed}`);
});

test('Abadi et al. 2016 §3.1: q = 0.01, σ = 4, δ = 1e-5, 10,000 steps gives ε ≈ 1.26 (their moments accountant)', () => {
  const run = { samplingRate: 0.01, noiseMultiplier: 4, steps: 10_000 };
  assert.ok(Math.abs(privacySpent(run, 1e-5, 'mironov2017').epsilon - 1.26) < 0.01);
  // The tighter conversion of Balle et al. 2020 spends less for the same run.
  const tight = privacySpent(run, 1e-5).epsilon;
  assert.ok(tight < 1.26 && tight > 0.9, `${tight}`);
});

test('more steps or less noise spend more; the noise for a target ε spends it', () => {
  const base = { samplingRate: 0.02, noiseMultiplier: 1.2, steps: 500 };
  const epsilon = privacySpent(base, 1e-5).epsilon;
  assert.ok(privacySpent({ ...base, steps: 1000 }, 1e-5).epsilon > epsilon);
  assert.ok(privacySpent({ ...base, noiseMultiplier: 0.9 }, 1e-5).epsilon > epsilon);
  const sigma = noiseForEpsilon({ samplingRate: 0.02, steps: 500 }, 2, 1e-5);
  const spent = privacySpent({ samplingRate: 0.02, noiseMultiplier: sigma, steps: 500 }, 1e-5).epsilon;
  assert.ok(spent <= 2 && spent > 1.99, `σ = ${sigma} spends ${spent}`);
});

test('bad settings are validation errors naming the setting', () => {
  assert.throws(() => privacySpent({ samplingRate: 1.5, noiseMultiplier: 1, steps: 10 }, 1e-5), (e) => hasCode(e, 'validation') && /samplingRate/.test(JSON.stringify(e)));
  assert.throws(() => privacySpent({ samplingRate: 0.1, noiseMultiplier: 1, steps: 10 }, 0), (e) => hasCode(e, 'validation') && /delta/.test(JSON.stringify(e)));
  assert.throws(() => noiseForEpsilon({ samplingRate: 1, steps: 1e6 }, 0.01, 1e-5), (e) => hasCode(e, 'validation') && /σ = 1000/.test(JSON.stringify(e)));
});
