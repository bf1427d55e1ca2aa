/**
 * Rényi-DP accountant of the Poisson-sampled Gaussian mechanism — the privacy bookkeeping of
 * DP-SGD (Abadi et al., CCS 2016, whose "moments accountant" this is the modern form of).
 *
 * One step of DP-SGD samples each row with probability q, clips each row's gradient to norm C
 * and adds N(0, σ²C²): the sampled Gaussian mechanism. Its Rényi divergence of order α is
 * log(A_α)/(α − 1) with A_α = E_{z∼N(0,σ²)}[((1 − q) + q·N(z; 1, σ²)/N(z; 0, σ²))^α], computed by
 * the finite sum for integer α and by the convergent series for fractional α (Mironov, Talwar
 * and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", 2019, §3). RDP adds
 * up over steps (Mironov, "Rényi Differential Privacy", CSF 2017, Prop. 1) and converts to
 * (ε, δ)-DP by ε = min_α RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1) (Balle et al.,
 * "Hypothesis testing interpretations and Rényi DP", AISTATS 2020, Thm. 21), or by Mironov's
 * original ε = RDP(α) + log(1/δ)/(α − 1), which is looser and is what Abadi et al.'s era reported.
 *
 * Float64 throughout; checked in the tests against A_α integrated numerically by SciPy
 * (tools/dp_rdp_reference.py).
 */

import erfc from '@stdlib/math-base-special-erfc';
import { ValidationError } from '../../errors.ts';

/** The Rényi orders searched (those of TensorFlow Privacy and Opacus: fine steps below 12, integers to 256). */
export const RDP_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, k) => 1 + (k + 1) / 10),
  ...Array.from({ length: 245 }, (_, k) => 12 + k),
];

/** How (α, RDP) converts to (ε, δ). */
export type RdpConversion = 'balle2020' | 'mironov2017';

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b >= a) return -Infinity; // the series' terms cancel to within rounding
  return a + Math.log1p(-Math.exp(b - a));
}

/** log(erfc(x)), stable for large x (asymptotic series where erfc underflows). */
export function logErfc(x: number): number {
  if (x < 20) return Math.log(erfc(x));
  const inverseSquare = 1 / (2 * x * x);
  const series = 1 - inverseSquare + 3 * inverseSquare ** 2 - 15 * inverseSquare ** 3 + 105 * inverseSquare ** 4;
  return -x * x - Math.log(x) - 0.5 * Math.log(Math.PI) + Math.log(series);
}

function logBinomial(n: number, k: number): number {
  let total = 0;
  for (let i = 0; i < k; i++) total += Math.log(n - i) - Math.log(i + 1);
  return total;
}

/** log A_α for integer α ≥ 2: the binomial expansion. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const logCoefficient = logBinomial(alpha, i) + i * Math.log(q) + (alpha - i) * Math.log1p(-q);
    logA = logAdd(logA, logCoefficient + (i * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

/** log A_α for fractional α > 1: the two tails of the series, split at z₀ (Mironov et al. 2019, §3.3). */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let [logA0, logA1] = [-Infinity, -Infinity];
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let logAbsCoefficient = 0;
  let sign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const factor = (alpha - i + 1) / i;
      logAbsCoefficient += Math.log(Math.abs(factor));
      if (factor < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logAbsCoefficient + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logAbsCoefficient + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 10_000) break;
  }
  return logAdd(logA0, logA1);
}

/** log A_α of one sampled Gaussian step (sampling rate q, noise multiplier σ). */
export function logMomentSampledGaussian(q: number, sigma: number, alpha: number): number {
  return Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
}

/** RDP of order α of `steps` sampled Gaussian steps. */
export function rdpSampledGaussian(q: number, sigma: number, steps: number, alpha: number): number {
  checkMechanism(q, sigma, steps);
  if (q === 0) return 0;
  if (sigma === Infinity) return 0;
  if (q === 1) return (steps * alpha) / (2 * sigma * sigma);
  return (steps * logMomentSampledGaussian(q, sigma, alpha)) / (alpha - 1);
}

function checkMechanism(q: number, sigma: number, steps: number): void {
  const issues = [];
  if (!(q >= 0 && q <= 1)) issues.push({ path: 'samplingRate', message: `${q}: give a probability in [0, 1] (batch size / rows)` });
  if (!(sigma > 0)) issues.push({ path: 'noiseMultiplier', message: `${sigma}: give σ > 0 (noise standard deviation over the clipping norm)` });
  if (!(steps >= 0) || !Number.isInteger(steps)) issues.push({ path: 'steps', message: `${steps}: give a whole number of steps ≥ 0` });
  if (issues.length > 0) throw new ValidationError('cannot account for DP-SGD', issues);
}

/** ε of one (α, RDP) pair at δ. */
function epsilonAt(alpha: number, rdp: number, delta: number, conversion: RdpConversion): number {
  if (conversion === 'mironov2017') return rdp + Math.log(1 / delta) / (alpha - 1);
  return rdp + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
}

/** A DP-SGD run's guarantee. */
export interface PrivacySpent {
  epsilon: number;
  delta: number;
  /** The Rényi order at which ε was smallest. */
  order: number;
  conversion: RdpConversion;
}

/** The DP-SGD run's settings the accountant needs. */
export interface SampledGaussianRun {
  /** Poisson sampling probability per step (expected batch size / rows). */
  samplingRate: number;
  /** Noise standard deviation as a multiple of the clipping norm. */
  noiseMultiplier: number;
  steps: number;
  /**
   * Noise multipliers of releases on the whole data set that the run composes with, each a
   * Gaussian mechanism of sensitivity 1 (RDP α / 2σ², Mironov 2017 Prop. 7): DP-PCA's noisy
   * covariance before DP-SGD, as Abadi et al. account for it.
   */
  fullDataGaussians?: readonly number[];
}

/** RDP of order α of the whole run: its steps plus the full-data releases it composes with. */
export function runRdp(run: SampledGaussianRun, alpha: number): number {
  let rdp = rdpSampledGaussian(run.samplingRate, run.noiseMultiplier, run.steps, alpha);
  for (const sigma of run.fullDataGaussians ?? []) rdp += alpha / (2 * sigma * sigma);
  return rdp;
}

/** (ε, δ) of a run: the best order over RDP_ORDERS. */
export function privacySpent(run: SampledGaussianRun, delta: number, conversion: RdpConversion = 'balle2020'): PrivacySpent {
  if (!(delta > 0 && delta < 1)) throw new ValidationError('cannot account for DP-SGD', [{ path: 'delta', message: `${delta}: give δ in (0, 1), e.g. 1e-5 (below 1/rows)` }]);
  let best: PrivacySpent = { epsilon: Infinity, delta, order: RDP_ORDERS[0], conversion };
  for (const alpha of RDP_ORDERS) {
    const epsilon = epsilonAt(alpha, runRdp(run, alpha), delta, conversion);
    if (epsilon < best.epsilon) best = { epsilon: Math.max(0, epsilon), delta, order: alpha, conversion };
  }
  return best;
}

/**
 * The smallest noise multiplier whose run spends at most `epsilon` at `delta` (bisection on σ;
 * ε falls as σ grows). Throws when even σ = 1000 cannot meet it.
 */
export function noiseForEpsilon(run: Omit<SampledGaussianRun, 'noiseMultiplier'>, epsilon: number, delta: number, conversion: RdpConversion = 'balle2020'): number {
  if (!(epsilon > 0)) throw new ValidationError('cannot calibrate DP-SGD', [{ path: 'epsilon', message: `${epsilon}: give a target ε > 0` }]);
  const spent = (sigma: number) => privacySpent({ ...run, noiseMultiplier: sigma }, delta, conversion).epsilon;
  let [low, high] = [0.05, 1];
  while (spent(high) > epsilon) {
    [low, high] = [high, high * 2];
    if (high > 1000) {
      const others = run.fullDataGaussians?.length ? ` (with the full-data releases σ = ${run.fullDataGaussians.join(', ')} spending part of it)` : '';
      throw new ValidationError('cannot calibrate DP-SGD', [{ path: 'epsilon', message: `ε = ${epsilon}${others} needs noise beyond σ = 1000 for ${run.steps} steps at q = ${run.samplingRate}; train fewer epochs or a smaller batch, or give a larger ε` }]);
    }
  }
  if (spent(low) <= epsilon) return low;
  for (let k = 0; k < 40 && high - low > 1e-4 * high; k++) {
    const middle = (low + high) / 2;
    if (spent(middle) > epsilon) low = middle;
    else high = middle;
  }
  return high;
}
