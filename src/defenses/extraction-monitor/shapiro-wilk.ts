/**
 * The Shapiro–Wilk W statistic of normality (Shapiro and Wilk, Biometrika 1965), with the
 * coefficients of Royston's approximation (Royston, "Approximating the Shapiro-Wilk W-test for
 * non-normality", Statistics and Computing 1992; algorithm AS R94, 1995), valid for 3 ≤ n ≤ 5000.
 * PRADA (Juuti et al. 2019) flags a client when the W of its queries' minimum distances falls
 * below a threshold. Hand-written: no maintained npm package computes W (checked in npm.tsv);
 * checked in the tests against SciPy's `scipy.stats.shapiro` (tools/shapiro_reference.py).
 */

import erfcinv from '@stdlib/math-base-special-erfcinv';
import { ValidationError } from '../../errors.ts';

const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) value = value * x + coefficients[k];
  return value;
}

/** The standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return -Math.SQRT2 * erfcinv(2 * p);
}

/** Royston's coefficients a₁ … a_{n/2} (positive, largest first) for a sample of size n. */
export function shapiroWilkCoefficients(n: number): Float64Array {
  const half = Math.floor(n / 2);
  const a = new Float64Array(half);
  if (n === 3) {
    a[0] = Math.SQRT1_2;
    return a;
  }
  let sum = 0;
  const m = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    m[i] = normalQuantile((i + 1 - 0.375) / (n + 0.25));
    sum += m[i] * m[i];
  }
  sum *= 2;
  const root = Math.sqrt(sum);
  const u = 1 / Math.sqrt(n);
  const a1 = polynomial(C1, u) - m[0] / root;
  let first: number;
  let factor: number;
  if (n > 5) {
    const a2 = -m[1] / root + polynomial(C2, u);
    factor = Math.sqrt((sum - 2 * m[0] * m[0] - 2 * m[1] * m[1]) / (1 - 2 * a1 * a1 - 2 * a2 * a2));
    a[1] = a2;
    first = 2;
  } else {
    factor = Math.sqrt((sum - 2 * m[0] * m[0]) / (1 - 2 * a1 * a1));
    first = 1;
  }
  a[0] = a1;
  for (let i = first; i < half; i++) a[i] = -m[i] / factor;
  return a;
}

/** W of a sample (1 for a perfectly normal-looking one, smaller the less normal); NaN for a constant sample. */
export function shapiroWilk(sample: ArrayLike<number>): number {
  const n = sample.length;
  if (n < 3 || n > 5000) throw new ValidationError('cannot test normality', [{ path: 'sample', message: `${n} values; the Shapiro–Wilk approximation needs 3 … 5,000` }]);
  const sorted = Float64Array.from(sample).sort();
  const a = shapiroWilkCoefficients(n);
  let numerator = 0;
  for (let i = 0; i < a.length; i++) numerator += a[i] * (sorted[n - 1 - i] - sorted[i]);
  let mean = 0;
  for (const value of sorted) mean += value / n;
  let squares = 0;
  for (const value of sorted) squares += (value - mean) ** 2;
  if (squares === 0) return NaN;
  return Math.min(1, (numerator * numerator) / squares);
}
