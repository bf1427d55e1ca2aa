/**
 * PGD's L∞ step and FGSM's step over a batch of float32 rows in WebAssembly (`pgd-step.wat`,
 * f32x4): the rows, the iterate, the next iterate, the gradient and the box in one memory, the
 * iterates swapped after each step. Each operation rounds as float32, as the tfjs tensors of the
 * step did.
 *
 * A kernel is handed back (`release`) when its attack ends and reused by the next batch of its
 * size on this thread: a fresh memory is fresh pages (2.5 MB for 200 MNIST rows, ~600 page faults
 * at ~12 µs each here — a tenth of a 200-row PGD run), a reused one is not.
 */

import { ThreatlabError } from '../../errors.ts';
import type { Rng } from '../../random.ts';
import { compileSoon, byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './pgd-step.wasm.ts';
import { toFloat32Rows } from './float32-kernel.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  stepInfinity(rows: number, cols: number, input: number, current: number, gradient: number, next: number, lower: number, upper: number, step: number, epsilon: number): void;
  stepSign(rows: number, cols: number, input: number, gradient: number, next: number, lower: number, upper: number, step: number): void;
  startInfinity(rows: number, cols: number, input: number, current: number, lower: number, upper: number, state: number, epsilon: number): void;
}

/** A batch's step; its arrays are views of the kernel's memory (fill `input`, `current`, `lower`, `upper` first). */
export interface PgdStepKernel {
  input: Float32Array;
  /** Writes float64 rows (rows × cols) into `input`, each value rounded to float32 as `input.set` rounds it (float32-kernel.ts: 2× as quick). */
  setInput(values: Float64Array): void;
  /** The iterate the gradient is taken at. */
  current: Float32Array;
  /** Where a step writes. */
  next: Float32Array;
  gradient: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
  /** next = clip(input + clip(current + step · sign(gradient) − input, −ε, ε), lower, upper), every row. */
  stepInfinity(step: number, epsilon: number): void;
  /**
   * PGD's L∞ random start: current = clip(input + (2u − 1)·ε, lower, upper), u drawn from `rng` as
   * `rng.uniform()` would draw them row after row (and its stream left where they would leave it),
   * each value as `(2 * rng.uniform() - 1) * ε` stored as float32, then `addInBox`, make it in JavaScript.
   */
  startInfinity(rng: Rng, epsilon: number): void;
  /**
   * FGSM: input = clip(input + step · sign(gradient), lower, upper), every row, written over the
   * rows: `next` is never touched, so an FGSM run's kernel touches two batch-sized regions, not
   * three (on its first use, fresh pages: 153 page faults and ~2 ms for 200 MNIST rows).
   */
  stepSign(step: number): void;
  /** `next` becomes `current` (and the old iterate the next one's room). */
  swap(): void;
  /** Hands the kernel back for reuse; neither it nor its arrays may be used afterwards. */
  release(): void;
}

/** Kernels handed back, by shape, for the next batch of the same size (with what marks one taken again). */
const spare = new Map<string, { kernel: PgdStepKernel; take: () => void }[]>();
/** At most this many kept per thread, and none over `KEEP_BYTES` (a large batch's memory goes with it). */
const KEEP_KERNELS = 4;
const KEEP_BYTES = 64 * 1024 * 1024;
let kept = 0;

/**
 * A kernel for `rows` rows of `cols` values, used by one attack at a time (attacks may interleave
 * on one thread: each holds its own until it releases it).
 */
export function pgdStepKernel(rows: number, cols: number): PgdStepKernel {
  const key = `${rows}x${cols}`;
  const reused = spare.get(key)?.pop();
  if (reused) {
    kept--;
    reused.take();
    return reused.kernel;
  }
  const size = rows * cols;
  const layout = byteLayout();
  const at = { input: layout.take(4 * size), current: layout.take(4 * size), next: layout.take(4 * size), gradient: layout.take(4 * size), lower: layout.take(4 * cols), upper: layout.take(4 * cols), state: layout.take(16) };
  const exports = instantiate<Exports>(WASM_BASE64);
  ensureBytes(exports.memory, layout.end());
  const view = (offset: number, length: number) => new Float32Array(exports.memory.buffer, offset, length);
  let held = true;
  const kernel: PgdStepKernel = {
    input: view(at.input, size),
    setInput: (values) => {
      if (values.length !== size) throw new ThreatlabError('internal', `${values.length} values for a step kernel of ${rows} × ${cols}`);
      toFloat32Rows(values, cols, kernel.input);
    },
    current: view(at.current, size),
    next: view(at.next, size),
    gradient: view(at.gradient, size),
    lower: view(at.lower, cols),
    upper: view(at.upper, cols),
    stepInfinity: (step, epsilon) => exports.stepInfinity(rows, cols, at.input, at.current, at.gradient, at.next, at.lower, at.upper, step, epsilon),
    stepSign: (step) => exports.stepSign(rows, cols, at.input, at.gradient, at.input, at.lower, at.upper, step),
    startInfinity: (rng, epsilon) => {
      const state = new Uint32Array(exports.memory.buffer, at.state, 4);
      state.set(rng.state());
      exports.startInfinity(rows, cols, at.input, at.current, at.lower, at.upper, at.state, epsilon);
      rng.setState(state);
    },
    swap: () => {
      [at.current, at.next] = [at.next, at.current];
      [kernel.current, kernel.next] = [kernel.next, kernel.current];
    },
    release: () => {
      if (!held) return; // released twice: shelved once
      held = false;
      if (kept >= KEEP_KERNELS || layout.end() > KEEP_BYTES) return;
      kept++;
      const shelf = spare.get(key) ?? [];
      shelf.push({ kernel, take: () => (held = true) });
      spare.set(key, shelf);
    },
  };
  return kernel;
}
