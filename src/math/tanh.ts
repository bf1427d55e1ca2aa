/**
 * tanh in float64 by the operations of the WebAssembly kernel (`wasm/sparse-layer.wat`, export
 * `tanh`), one value at a time: the reference that kernel is tested against bit for bit, and the
 * network fit's activation wherever its values are not in the kernel's memory (deeper layers; the
 * JavaScript reference path). V8's `Math.tanh` costs about 17 ns a value, a third of the MLP
 * extraction fit's objective; the kernel does two values in about 2 ns.
 *
 * Below |x| = 0.3: the Taylor series x + x·u·Σ s_k u^k (u = x²; s_k from the Bernoulli numbers,
 * 2^2n (2^2n − 1) B_2n / (2n)!, 12 terms: the next is under 1e-17 of the sum). Above: (1 − e)/(1 + e)
 * with e = exp(−2|x|) = 2^k · exp(r) by Cody and Waite's reduction (ln 2 split in two parts; Cody
 * and Waite 1980) and exp(r)'s Taylor polynomial of degree 13 (|r| ≤ ln 2 / 2: error below 4e-18);
 * |x| clamped to 20, where tanh rounds to 1. Within 3 units in the last place of `Math.tanh` (most
 * within 1; tested), exact sign, tanh(±0) = ±0, NaN stays NaN.
 */

/** s_1 … s_11: tanh(x) = x + x·u·(s_1 + u·(s_2 + …)), u = x². */
const SERIES = [
  -0.3333333333333333, 0.13333333333333333, -0.05396825396825397, 0.021869488536155203, -0.008863235529902197, 0.003592128036572481,
  -0.0014558343870513183, 0.000590027440945586, -0.00023912911424355248, 9.691537956929451e-5, -3.927832388331683e-5,
];
/** 1/k!, k = 0 … 13. */
const EXP_TAYLOR = Array.from({ length: 14 }, (_, k) => 1 / factorialOf(k));
const INVERSE_LN2 = 1.4426950408889634;
/** ln 2 = LN2_HIGH + LN2_LOW, the high part with trailing zero bits (k · LN2_HIGH is exact). */
const LN2_HIGH = 0.6931471803691238;
const LN2_LOW = 1.9082149292705877e-10;
/** Below this |x| the series; from it the exponential. */
export const TANH_SERIES_BELOW = 0.3;

function factorialOf(k: number): number {
  let product = 1;
  for (let i = 2; i <= k; i++) product *= i;
  return product;
}

/** Round half to even, as WebAssembly's `f64.nearest`. */
function nearest(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** tanh(x), the same bits as the WebAssembly kernel's. */
export function tanh(x: number): number {
  const a = Math.abs(x);
  const u = a * a;
  let series = SERIES[SERIES.length - 1];
  for (let i = SERIES.length - 2; i >= 0; i--) series = SERIES[i] + u * series;
  series = a + a * u * series;
  const y = -2 * Math.min(a, 20);
  const k = nearest(y * INVERSE_LN2);
  const r = y + k * -LN2_HIGH + k * -LN2_LOW;
  let power = EXP_TAYLOR[EXP_TAYLOR.length - 1];
  for (let i = EXP_TAYLOR.length - 2; i >= 0; i--) power = EXP_TAYLOR[i] + r * power;
  const e = power * (Number.isNaN(k) ? 1 : 2 ** k);
  const t = a < TANH_SERIES_BELOW ? series : (1 - e) / (1 + e);
  return x < 0 || Object.is(x, -0) ? -t : t;
}

/** tanh of every value, in place. */
export function tanhInPlace(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) values[i] = tanh(values[i]);
}
