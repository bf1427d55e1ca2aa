import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assembleWat } from './assemble.ts';
import { watSource } from './wat-source.ts';
import { compileSoon, instantiate, isCompiled, isWarmedUp, warmUpSoon } from './memory.ts';
import { Mlp } from '../../models/neural/mlp.ts';
import { WASM_BASE64 as ADAM } from './adam.wasm.ts';
import { WASM_BASE64 as SPARSE_LAYER } from './sparse-layer.wasm.ts';
import { instantiateSparseLayer, type Exports as SparseLayerExports } from './sparse-layer.ts';
import { warmUpForward } from './dense-forward.ts';
import { WASM_BASE64 as HESSIAN } from './hessian.wasm.ts';
import { WASM_BASE64 as PGD_STEP } from './pgd-step.wasm.ts';
import { WASM_BASE64 as CART } from './cart.wasm.ts';
import { WASM_BASE64 as CNN_BLOCK } from './cnn-block.wasm.ts';
import { WASM_BASE64 as CHOLESKY } from './cholesky.wasm.ts';
import { WASM_BASE64 as FINITE } from './finite.wasm.ts';
import { WASM_BASE64 as BOX_CLIP } from './box-clip.wasm.ts';
import { WASM_BASE64 as NORMAL } from './normal.wasm.ts';
import { WASM_BASE64 as FLOAT32 } from './float32.wasm.ts';
import { WASM_BASE64 as RBF_REPRESENTERS } from './rbf-representers.wasm.ts';
import { WASM_BASE64 as NORMAL_EQUATIONS } from './normal-equations.wasm.ts';

for (const [name, committed] of [['sparse-layer', SPARSE_LAYER], ['adam', ADAM], ['hessian', HESSIAN], ['pgd-step', PGD_STEP], ['cart', CART], ['cnn-block', CNN_BLOCK], ['cholesky', CHOLESKY], ['finite', FINITE], ['box-clip', BOX_CLIP], ['normal', NORMAL], ['float32', FLOAT32], ['rbf-representers', RBF_REPRESENTERS], ['normal-equations', NORMAL_EQUATIONS]] as const) {
  test(`the committed ${name} module is the assembly of ${name}.wat (run \`npx tsx tools/build-wasm.ts\` after editing it)`, async () => {
    const source = watSource(fileURLToPath(new URL(`./${name}.wat`, import.meta.url)));
    assert.equal(Buffer.from(await assembleWat(source, `${name}.wat`)).toString('base64'), committed);
  });
}

test('a module compiled in the background (compileSoon) is the one the first instantiate uses: no compile on the call', async () => {
  // A module of its own (an exported function returning 7), so no kernel file has compiled it before.
  const source = '(module (func (export "seven") (result i32) (i32.const 7)))';
  const base64 = Buffer.from(await assembleWat(source, 'seven.wat')).toString('base64');
  compileSoon(base64);
  const Module = WebAssembly.Module;
  let compiledOnCall = 0;
  // Every synchronous compile from here is counted (and still made).
  (WebAssembly as { Module: unknown }).Module = class extends Module {
    constructor(bytes: Uint8Array) {
      compiledOnCall++;
      super(bytes);
    }
  };
  try {
    for (let turns = 0; turns < 200 && !isCompiled(base64); turns++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(isCompiled(base64), 'the background compile finished within a second');
    const exports = instantiate<{ seven: () => number }>(base64);
    assert.equal(exports.seven(), 7);
    assert.equal(compiledOnCall, 0);
  } finally {
    (WebAssembly as { Module: unknown }).Module = Module;
  }
});

test('bytes that are no module: the background compile stays quiet and the first instantiate reports the error', async () => {
  const base64 = Buffer.from('not a module').toString('base64');
  compileSoon(base64);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(isCompiled(base64), false);
  assert.throws(() => instantiate(base64), /WebAssembly|magic|expected/i);
});

/** A module of its own with a memory: `poke` writes 1 at byte 0, `peek` reads it. */
async function pokeModule(tag: number): Promise<string> {
  const source = `(module (memory (export "memory") 1) (func (export "poke") (i32.store8 (i32.const 0) (i32.const 1))) (func (export "peek") (result i32) (i32.load8_u (i32.const 0))) (func (export "tag") (result i32) (i32.const ${tag})))`;
  return Buffer.from(await assembleWat(source, 'poke.wat')).toString('base64');
}

interface Poke {
  poke(): void;
  peek(): number;
}

test('a warm-up asked for runs once, after the background compile, on an instance of its own (a call\'s instance starts clean)', async () => {
  const base64 = await pokeModule(11);
  let warmed = 0;
  compileSoon(base64);
  warmUpSoon<Poke>(base64, (exports) => {
    warmed++;
    exports.poke();
    assert.equal(exports.peek(), 1);
  });
  assert.equal(warmed, 0, 'not in the call that asks');
  for (let turns = 0; turns < 200 && !isWarmedUp(base64); turns++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(warmed, 1);
  assert.equal(instantiate<Poke>(base64).peek(), 0, "the warm-up's writes are not in a call's memory");
  warmUpSoon<Poke>(base64, () => warmed++);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(warmed, 1, 'a module is warmed once');
});

test('a warm-up that throws breaks nothing, and bytes that are no module are not warmed', async () => {
  const throwing = await pokeModule(13);
  warmUpSoon<Poke>(throwing, () => {
    throw new Error('a broken warm-up');
  });
  for (let turns = 0; turns < 200 && !isWarmedUp(throwing); turns++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(isWarmedUp(throwing));
  assert.equal(instantiate<Poke>(throwing).peek(), 0);
  const broken = Buffer.from('no module either').toString('base64');
  let warmed = 0;
  warmUpSoon(broken, () => warmed++);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(warmed, 0);
  assert.equal(isWarmedUp(broken), false);
});

test("an MLP made or trained asks for the dense kernel's warm-up", async () => {
  const layers = [{ inputs: 2, outputs: 2, weights: Float64Array.of(1, 0, 0, 1), biases: Float64Array.of(0, 0), activation: 'softmax' as const }];
  new Mlp({ classes: ['a', 'b'], schema: { features: [] } as never, layers, params: {} });
  for (let turns = 0; turns < 400 && !isWarmedUp(SPARSE_LAYER); turns++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(isWarmedUp(SPARSE_LAYER));
});

test("the sparse-layer warm-up makes the forward pass's calls, each many times, in bounds of a fresh instance", () => {
  const exports = instantiateSparseLayer();
  const calls = new Map<string, number>();
  // The exports (a frozen object) with each function counted.
  const counted = Object.fromEntries(
    Object.entries(exports).map(([name, value]) => [
      name,
      typeof value === 'function'
        ? (...args: number[]) => {
            calls.set(name, (calls.get(name) ?? 0) + 1);
            return (value as (...args: number[]) => unknown)(...args);
          }
        : value,
    ]),
  ) as unknown as SparseLayerExports;
  warmUpForward(counted);
  for (const name of ['compress', 'pack_panels', 'panel_forward', 'softmax_rows']) assert.ok((calls.get(name) ?? 0) >= 16, `${name} called ${calls.get(name) ?? 0} times`);
  assert.deepEqual([...calls.keys()].sort(), ['compress', 'pack_panels', 'panel_forward', 'softmax_rows']);
});
