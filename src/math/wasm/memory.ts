/**
 * What every WebAssembly kernel here needs around it: its module compiled once from the base64 of
 * its `.wasm.ts`, an instance with memory of its own, blocks laid out in that memory, and the
 * memory grown to hold them.
 */

const compiled = new Map<string, WebAssembly.Module>();

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
