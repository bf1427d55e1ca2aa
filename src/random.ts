/**
 * Seeded pseudo-random numbers. Every stochastic function in threatlab takes an `Rng`, so a
 * run is repeated exactly by repeating its seed. The generator is xoshiro128** (Blackman and
 * Vigna 2018), seeded through splitmix32; `fork` derives an independent stream, which is how
 * shadow-model workers get their own generators without sharing state.
 *
 * Hand-written rather than `seedrandom`: we need forkable streams and a state that can be
 * sent to a worker thread, which seedrandom does not offer for a fast generator.
 */

import { ValidationError } from './errors.ts';
import { fillBetweenFromState, fillNormalFromState } from './math/wasm/normal-kernel.ts';

/** Normals from which `fillNormal` draws in WebAssembly. */
const KERNEL_NORMALS = 64;

/** Uniforms from which `fillBetween` draws in WebAssembly. */
const KERNEL_UNIFORMS = 64;

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded random-number generator (xoshiro128**). */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;
  /** The seed this generator started from. */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ValidationError('invalid seed', [
        { path: 'seed', message: `${seed} is not an integer in [0, 4294967295]; pass a whole number such as 42` },
      ]);
    }
    this.seed = seed;
    const mix = splitmix32(seed);
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /**
   * The four state words (xoshiro128**), for a WebAssembly kernel that draws this same stream
   * (PGD's random start, pgd-step.wat); `setState` takes back the words it leaves.
   */
  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** Sets the state words `state()` gave, after a kernel drew from them (a cached normal is kept). */
  setState(words: Uint32Array): void {
    [this.s0, this.s1, this.s2, this.s3] = [words[0] | 0, words[1] | 0, words[2] | 0, words[3] | 0];
  }

  /**
   * Fills `out` with `high` where a uniform draw falls below `p` and `low` elsewhere: the values
   * and the stream position of `out[i] = rng.uniform() < p ? high : low`, with the state in locals
   * (3.3 million draws, capacity abuse's coins for 4 images: ~18 ms against 56–97 through the
   * fields; 14–15 with nextUint32's step written out twice, not worth the copy).
   */
  fillCoins(out: Float64Array, p: number, high: number, low: number): void {
    let [s0, s1, s2, s3] = [this.s0 | 0, this.s1 | 0, this.s2 | 0, this.s3 | 0];
    let upper = 0;
    // Two of nextUint32's steps make one 53-bit uniform, as uniform() does: the even draw its upper bits.
    for (let draw = 0; draw < 2 * out.length; draw++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      if ((draw & 1) === 0) upper = result >>> 5;
      else out[draw >> 1] = (upper * 67108864 + (result >>> 6)) / 9007199254740992 < p ? high : low;
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0, s1, s2, s3];
  }

  /**
   * `out[i] = rng.between(low, high)` for every i, in order — the same values (a Float32Array
   * rounds each as its assignment does) and the stream left where that loop leaves it — with the
   * state in locals: a network's initial weights (Glorot's 784 × 256 uniform draws took 12–17 ms in
   * a process's first training, through three calls a draw). Its loop is `fillCoins`'s on purpose:
   * one loop for both, the store chosen by a flag, took 1.6 ms instead of 0.9 here and 31 ms instead
   * of 26 for the coins (a store into two kinds of array, a branch a draw). From `KERNEL_UNIFORMS`
   * values on, the WebAssembly kernel draws them (math/wasm/normal-kernel.ts: the same values and
   * stream), compiled as it is imported: the loop ran unoptimised for a process's first few
   * thousand draws (a CNN 8-16's 27,000 initial weights 2.8 ms in a process's first training, 0.14
   * after; 203,000 for an MLP 784-256-10 4.5 against 1.0).
   */
  fillBetween(out: Float32Array | Float64Array, low: number, high: number): void {
    const span = high - low;
    if (out.length >= KERNEL_UNIFORMS) {
      const state = this.state();
      fillBetweenFromState(out, low, span, state);
      this.setState(state);
      return;
    }
    let [s0, s1, s2, s3] = [this.s0 | 0, this.s1 | 0, this.s2 | 0, this.s3 | 0];
    let upper = 0;
    for (let draw = 0; draw < 2 * out.length; draw++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      if ((draw & 1) === 0) upper = result >>> 5;
      else out[draw >> 1] = low + span * ((upper * 67108864 + (result >>> 6)) / 9007199254740992);
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0, s1, s2, s3];
  }

  /** Uniform float in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new ValidationError('invalid range', [{ path: 'n', message: `${n} must be a positive integer` }]);
    }
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.uniform() * 2 - 1;
      v = this.uniform() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    return mean + std * u * factor;
  }

  /**
   * `out[i] = rng.normal()` for every i, in order — the same values, and the stream and the kept
   * spare normal left where that loop leaves them — with the state in locals: HopSkipJump's L2
   * directions (100 × 784 normals an estimate) spent 7% of an attack over HTTP in `normal()`'s
   * calls. The generator's step is written out here as in `fillCoins` and `fillBetween`: drawn
   * through `uniform()` instead, 1.57 million normals took 61–68 ms against 50–59. From
   * `KERNEL_NORMALS` values on, the WebAssembly kernel draws them (math/wasm/normal-kernel.ts: the
   * same values and stream, Math.log's logarithm; 1.57 million normals 19 ms against 42).
   */
  fillNormal(out: Float64Array): void {
    let i = 0;
    if (out.length > 0 && this.spareNormal !== undefined) {
      out[i++] = this.spareNormal;
      this.spareNormal = undefined;
    }
    if (out.length - i >= KERNEL_NORMALS) {
      const state = this.state();
      this.spareNormal = fillNormalFromState(out, i, state);
      this.setState(state);
      return;
    }
    this.fillNormalInLoop(out, i);
  }

  /** `fillNormal`'s draws into `out[from …]` in JavaScript (no spare kept on entry). */
  private fillNormalInLoop(out: Float64Array, from: number): void {
    let i = from;
    let [s0, s1, s2, s3] = [this.s0 | 0, this.s1 | 0, this.s2 | 0, this.s3 | 0];
    const words = [0, 0, 0, 0];
    while (i < out.length) {
      let u: number;
      let v: number;
      let s: number;
      do {
        // Four of nextUint32's steps: two 53-bit uniforms, as uniform() makes them.
        for (let k = 0; k < 4; k++) {
          words[k] = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          const t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
        }
        u = (((words[0] >>> 5) * 67108864 + (words[1] >>> 6)) / 9007199254740992) * 2 - 1;
        v = (((words[2] >>> 5) * 67108864 + (words[3] >>> 6)) / 9007199254740992) * 2 - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const factor = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = u * factor;
      if (i < out.length) out[i++] = v * factor;
      else this.spareNormal = v * factor;
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0, s1, s2, s3];
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    // The swaps of `j = this.int(i + 1)` (53-bit uniforms, two draws each), the state in locals:
    // property inference's shadow sets shuffle ~20,000 row numbers each, 0.6 ms through the
    // calls, in the thread that feeds the pool's workers.
    let [s0, s1, s2, s3] = [this.s0 | 0, this.s1 | 0, this.s2 | 0, this.s3 | 0];
    let upper = 0;
    for (let i = items.length - 1, draw = 0; i > 0; draw++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      if ((draw & 1) === 0) {
        upper = result >>> 5;
        continue;
      }
      const j = Math.floor(((upper * 67108864 + (result >>> 6)) / 9007199254740992) * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
      i--;
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0, s1, s2, s3];
    return items;
  }

  /**
   * `k` distinct entries of `from`, each k-subset equally likely, in random order: the first k
   * steps of a Fisher–Yates shuffle (Knuth's Algorithm P) — k draws, not `from.length`. Property
   * inference draws 2,000 rows of a 16,000-row pool per shadow model: two whole shuffles took
   * 0.3–0.5 ms of the thread that feeds the pool's workers, and grew with the pool (8–19 ms from a
   * million rows). A few from many (k ≤ n / 16) swap virtually, the displaced entries in a map, so
   * that not even the copy grows with the pool (2.3 → 0.2–0.3 ms from a million); the same swaps
   * either way, so the same entries.
   */
  choose(from: Int32Array, k: number): Int32Array {
    return this.chooseInto(from, k, new Int32Array(k), 0);
  }

  /**
   * `choose`'s entries written into `into` from index `at` (the same draw, the stream left where
   * `choose` leaves it), and `into` returned: a caller that gathers several draws into one array
   * makes no array a draw (property inference's shadows: each array fresh memory, ~10 µs a page
   * here, on the thread that feeds the pool's workers).
   */
  chooseInto(from: Int32Array, k: number, into: Int32Array, at: number): Int32Array {
    const n = from.length;
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new ValidationError('invalid sample size', [{ path: 'k', message: `${k} entries cannot be chosen from ${n}; ask for a whole number from 0 to ${n}` }]);
    }
    if (!Number.isInteger(at) || at < 0 || at + k > into.length) throw new ValidationError('invalid sample size', [{ path: 'at', message: `${k} entries from index ${at} do not fit in ${into.length}; give a larger array` }]);
    if (k * 16 <= n) this.chooseFewFromMany(from, k, into, at);
    else this.chooseOnCopy(from, k, into, at);
    return into;
  }

  /**
   * The swaps on a copy, their uniforms drawn in one pass (`fillBetween` on [0, 1): `uniform()`'s
   * values and stream): through `uniform()`'s calls, property inference's two draws a shadow (400 of
   * 5,361 rows and 1,600 of 10,919) took ~95 µs of the thread that feeds the pool's workers.
   */
  private chooseOnCopy(from: Int32Array, k: number, into: Int32Array, at: number): void {
    const n = from.length;
    // The copy (up to 64K entries) and the uniforms go in buffers kept for the next draw (new ones are fresh memory).
    if (n <= SCRATCH_ENTRIES && chooseScratch.length < n) chooseScratch = new Int32Array(SCRATCH_ENTRIES);
    const items = n <= SCRATCH_ENTRIES ? chooseScratch : from.slice();
    if (items === chooseScratch) items.set(from);
    if (k <= SCRATCH_ENTRIES && chooseUniforms.length < k) chooseUniforms = new Float64Array(Math.max(k, 4096));
    const uniforms = k <= SCRATCH_ENTRIES ? chooseUniforms.subarray(0, k) : new Float64Array(k);
    this.fillBetween(uniforms, 0, 1);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(uniforms[i] * (n - i));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    into.set(items.subarray(0, k), at);
  }

  /** `chooseOnCopy`'s swaps on a virtual copy: position j's entry is `from[j]` unless a swap moved another there. */
  private chooseFewFromMany(from: Int32Array, k: number, into: Int32Array, at: number): void {
    const n = from.length;
    const moved = new Map<number, number>();
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.uniform() * (n - i));
      const atJ = moved.get(j) ?? from[j];
      // Position i is never read again (later swaps reach only positions past it).
      moved.set(j, moved.get(i) ?? from[i]);
      into[at + i] = atJ;
    }
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return this.shuffle(order);
  }

  /** A new generator whose stream is independent of this one's remaining stream. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

/** `chooseOnCopy`'s kept room (synchronous: one draw at a time on a thread). */
const SCRATCH_ENTRIES = 1 << 16;
let chooseScratch = new Int32Array(0);
let chooseUniforms = new Float64Array(0);

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Default seed used by the CLI and reproductions when none is given. */
export const DEFAULT_SEED = 42;
