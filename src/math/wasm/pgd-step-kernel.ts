/**
 * PGD's L∞ step over a batch of float32 rows in WebAssembly (`pgd-step.wat`, f32x4): the rows,
 * the iterate, the next iterate, the gradient and the box in one memory, the iterates swapped
 * after each step. Each operation rounds as float32, as the tfjs tensors of the step did.
 */

import { byteLayout, ensureBytes, instantiate } from './memory.ts';
import { WASM_BASE64 } from './pgd-step.wasm.ts';

interface Exports {
  memory: WebAssembly.Memory;
  stepInfinity(rows: number, cols: number, input: number, current: number, gradient: number, next: number, lower: number, upper: number, step: number, epsilon: number): void;
}

/** A batch's step; its arrays are views of the kernel's memory (fill `input`, `current`, `lower`, `upper` first). */
export interface PgdStepKernel {
  input: Float32Array;
  /** The iterate the gradient is taken at. */
  current: Float32Array;
  /** Where a step writes. */
  next: Float32Array;
  gradient: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
  /** next = clip(input + clip(current + step · sign(gradient) − input, −ε, ε), lower, upper), every row. */
  stepInfinity(step: number, epsilon: number): void;
  /** `next` becomes `current` (and the old iterate the next one's room). */
  swap(): void;
}

/** A kernel for `rows` rows of `cols` values (its own instance: attacks may interleave on one thread). */
export function pgdStepKernel(rows: number, cols: number): PgdStepKernel {
  const size = rows * cols;
  const layout = byteLayout();
  const at = { input: layout.take(4 * size), current: layout.take(4 * size), next: layout.take(4 * size), gradient: layout.take(4 * size), lower: layout.take(4 * cols), upper: layout.take(4 * cols) };
  const exports = instantiate<Exports>(WASM_BASE64);
  ensureBytes(exports.memory, layout.end());
  const view = (offset: number, length: number) => new Float32Array(exports.memory.buffer, offset, length);
  const kernel: PgdStepKernel = {
    input: view(at.input, size),
    current: view(at.current, size),
    next: view(at.next, size),
    gradient: view(at.gradient, size),
    lower: view(at.lower, cols),
    upper: view(at.upper, cols),
    stepInfinity: (step, epsilon) => exports.stepInfinity(rows, cols, at.input, at.current, at.gradient, at.next, at.lower, at.upper, step, epsilon),
    swap: () => {
      [at.current, at.next] = [at.next, at.current];
      [kernel.current, kernel.next] = [kernel.next, kernel.current];
    },
  };
  return kernel;
}
