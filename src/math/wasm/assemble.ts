/** WebAssembly text to bytes with wabt (a development dependency: the build script and a test use it). */

/** The binary module of `wat` (named `name` in errors), with the SIMD feature on. */
export async function assembleWat(wat: string, name: string): Promise<Uint8Array> {
  const { default: wabt } = await import('wabt');
  const tools = await wabt();
  const module = tools.parseWat(name, wat, { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}
