/**
 * What every WebAssembly kernel here needs around it: its module compiled once from the base64 of
 * its `.wasm.ts`, an instance with memory of its own, blocks laid out in that memory, and the
 * memory grown to hold them.
 */

const compiled = new Map<string, WebAssembly.Module>();
const compiling = new Set<string>();

/**
 * Starts compiling the module whose bytes are `base64` on V8's background threads
 * (`WebAssembly.compile`), so that its first `instantiate` finds it made; each kernel file calls
 * it as it is imported. A synchronous compile on the first call cost that call 0.25–0.6 ms for a
 * 1-KB module (the PGD step kernel, inside FGSM's first 50-row run on the MNIST MLP: that run
 * 2.61–2.63 → 2.33–2.42 ms with the kernels compiled this way), while the background compile runs
 * beside whatever the process does between its imports and its first call. A call that comes first
 * compiles as before.
 *
 * `warmUp`, where given, runs once the module is compiled (unless a call came first), on an
 * instance of its own: a few small calls of the kernel's hot functions. V8 (Node 20) compiles a
 * WebAssembly function only on its first call, with its baseline compiler (Liftoff, 0.1–0.9 ms on
 * the main thread), and with its optimising compiler (TurboFan, 1–5 ms a function here, on a
 * background thread) only once it has run a while (`--wasm-tiering-budget`); until that code is
 * in, every call runs the baseline code, 2–2.5× slower. A process's first 1,000-row forward pass
 * of the MNIST MLP ran its first 12–16 chunks so (~2 ms of its 10). Warmed as the module is
 * compiled, the optimised code is made while the process loads its data and fits its models.
 * A warm-up that throws is passed over (its tests run each one directly).
 */
export function compileSoon<Exports = unknown>(base64: string, warmUp?: (exports: Exports) => void): void {
  if (compiled.has(base64) || compiling.has(base64)) return;
  compiling.add(base64);
  WebAssembly.compile(Buffer.from(base64, 'base64')).then(
    (module) => {
      if (compiled.has(base64)) return;
      compiled.set(base64, module);
      try {
        warmUp?.(new WebAssembly.Instance(module).exports as unknown as Exports);
      } catch {
        // Only the calls after it would have been faster.
      }
    },
    () => undefined, // the synchronous compile of the first call reports it
  );
}

/** Whether the module whose bytes are `base64` is compiled (in the background or by a call). */
export function isCompiled(base64: string): boolean {
  return compiled.has(base64);
}

/** A fresh instance of the module whose bytes are `base64` (its own memory of one page to start, or the one `imports` gives it). */
export function instantiate<Exports>(base64: string, imports?: WebAssembly.Imports): Exports {
  let module = compiled.get(base64);
  if (!module) {
    module = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    compiled.set(base64, module);
  }
  return new WebAssembly.Instance(module, imports).exports as unknown as Exports;
}

/** Blocks laid out one after another in a kernel's memory from byte `start` (16-aligned): `take(bytes)` gives a block's byte offset (16-aligned), `end()` the bytes used. */
export function byteLayout(start = 0): { take: (bytes: number) => number; end: () => number } {
  let end = start;
  return {
    take: (bytes) => {
      const at = end;
      end += Math.ceil(bytes / 16) * 16;
      return at;
    },
    end: () => end,
  };
}

/** Grows `memory` (whole 64 KiB pages) until it holds `bytes`. */
export function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
