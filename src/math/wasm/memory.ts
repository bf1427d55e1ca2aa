/**
 * What every WebAssembly kernel here needs around it: its module compiled once from the base64 of
 * its `.wasm.ts`, an instance with memory of its own, blocks laid out in that memory, and the
 * memory grown to hold them.
 */

const compiled = new Map<string, WebAssembly.Module>();
/** Each background compile started, settled when it has (compiled or failed). */
const compiling = new Map<string, Promise<void>>();
/** The modules whose warm-up was asked for, and those it ran on. */
const warmUpsAsked = new Set<string>();
const warmedUp = new Set<string>();

/**
 * Starts compiling the module whose bytes are `base64` on V8's background threads
 * (`WebAssembly.compile`), so that its first `instantiate` finds it made; each kernel file calls
 * it as it is imported. A synchronous compile on the first call cost that call 0.25–0.6 ms for a
 * 1-KB module (the PGD step kernel, inside FGSM's first 50-row run on the MNIST MLP: that run
 * 2.61–2.63 → 2.33–2.42 ms with the kernels compiled this way), while the background compile runs
 * beside whatever the process does between its imports and its first call. A call that comes first
 * compiles as before.
 */
export function compileSoon(base64: string): void {
  if (compiled.has(base64) || compiling.has(base64)) return;
  compiling.set(
    base64,
    WebAssembly.compile(Buffer.from(base64, 'base64')).then(
      (module) => {
        if (!compiled.has(base64)) compiled.set(base64, module);
      },
      () => undefined, // the synchronous compile of the first call reports it
    ),
  );
}

/**
 * Asks for `warmUp` — a few small calls of the kernel's hot functions — to run once, on an
 * instance of its own, as soon as the module is compiled and this thread next turns to its event
 * loop. V8 (Node 20) compiles a WebAssembly function only on its first call, with its baseline
 * compiler (Liftoff, on the main thread), and with its optimising one (TurboFan, 1–5 ms a function
 * here, on a background thread) only once it has run a while (`--wasm-tiering-budget`); a running
 * call keeps the code it started with, 2–2.5× slower. A process's first 1,000-row forward pass of
 * the MNIST MLP ran its first 12–16 chunks so (~2 ms of its 10). Warmed ahead, TurboFan's code is
 * made while the process does other work. Asked for by the kernel's users (a model that will run
 * it), not at import: a warm-up run at import landed in whatever the process did next (a softmax
 * fit on Iris, which never runs the dense kernel, took its 1–3 ms). A warm-up that throws is passed
 * over (its tests run each one directly).
 */
export function warmUpSoon<Exports>(base64: string, warmUp: (exports: Exports) => void): void {
  if (warmUpsAsked.has(base64)) return;
  warmUpsAsked.add(base64);
  compileSoon(base64);
  const run = () => {
    const module = compiled.get(base64);
    if (!module) return; // no module: the first call reports why
    warmedUp.add(base64);
    try {
      warmUp(new WebAssembly.Instance(module).exports as unknown as Exports);
    } catch {
      // Only the calls after it would have been faster.
    }
  };
  void (compiling.get(base64) ?? Promise.resolve()).then(() => setImmediate(run));
}

/** Whether the warm-up of the module whose bytes are `base64` has run (for the tests). */
export function isWarmedUp(base64: string): boolean {
  return warmedUp.has(base64);
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
