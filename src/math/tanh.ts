/**
 * tanh in float64 by the operations of the WebAssembly kernel (`wasm/sparse-layer.wat`, export
 * `tanh`), one value at a time: the reference that kernel is tested against bit for bit, and the
 * network fit's activation wherever its values are not in the kernel's memory (deeper layers; the
 * JavaScript reference path). V8's `Math.tanh` costs about 17 ns a value, a third of the MLP
 * extraction fit's objective; the kernel does two values at a time without branches.
 *
 * tanh|x| = −E/(2 + E) with E = expm1(−2|x|) (the form of fdlibm's tanh, which keeps small |x|
 * accurate), E = (2^k − 1) + 2^k · expm1(r) by Cody and Waite's reduction −2|x| = k ln 2 + r,
 * |r| ≤ ln 2 / 2 (ln 2 split in two parts; Cody and Waite 1980), and expm1(r) = r · (1 + r/2! + …
 * + r^13/14!) (the next term is below 1e-17 of it); |x| clamped to 20, where tanh is 1 in float64;
 * then x's sign. Within 4 units in the last place of `Math.tanh` (94% within 1; tested), tanh(±0)
 * = ±0, ±1 at ±Infinity, NaN stays NaN.
 */

/** 1/k!, k = 1 … 14: expm1(r) = r · (1/1! + r · (1/2! + …)). */
const EXPM1_TAYLOR = Array.from({ length: 14 }, (_, i) => 1 / factorialOf(i + 1));
const INVERSE_LN2 = 1.4426950408889634;
/** ln 2 = LN2_HIGH + LN2_LOW, the high part with trailing zero bits (k · LN2_HIGH is exact). */
const LN2_HIGH = 0.6931471803691238;
const LN2_LOW = 1.9082149292705877e-10;

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
  const y = -2 * (20 < a ? 20 : a); // f64x2.pmin
  const k = nearest(y * INVERSE_LN2);
  const r = y + k * -LN2_HIGH + k * -LN2_LOW;
  let q = EXPM1_TAYLOR[EXPM1_TAYLOR.length - 1];
  for (let i = EXPM1_TAYLOR.length - 2; i >= 0; i--) q = EXPM1_TAYLOR[i] + r * q;
  const scale = Number.isNaN(k) ? 1 : 2 ** k;
  const e = scale - 1 + scale * (r * q);
  const t = Math.abs(-e / (2 + e));
  return x < 0 || Object.is(x, -0) ? -t : t;
}

/** tanh of every value, in place. */
export function tanhInPlace(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) values[i] = tanh(values[i]);
}
