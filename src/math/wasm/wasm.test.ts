import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assembleWat } from './assemble.ts';
import { compileSoon, instantiate, isCompiled } from './memory.ts';
import { WASM_BASE64 as ADAM } from './adam.wasm.ts';
import { WASM_BASE64 as SPARSE_LAYER } from './sparse-layer.wasm.ts';
import { WASM_BASE64 as HESSIAN } from './hessian.wasm.ts';
import { WASM_BASE64 as PGD_STEP } from './pgd-step.wasm.ts';
import { WASM_BASE64 as CART } from './cart.wasm.ts';
import { WASM_BASE64 as CNN_BLOCK } from './cnn-block.wasm.ts';
import { WASM_BASE64 as CHOLESKY } from './cholesky.wasm.ts';
import { WASM_BASE64 as FINITE } from './finite.wasm.ts';
import { WASM_BASE64 as BOX_CLIP } from './box-clip.wasm.ts';
import { WASM_BASE64 as NORMAL } from './normal.wasm.ts';
import { WASM_BASE64 as FLOAT32 } from './float32.wasm.ts';

for (const [name, committed] of [['sparse-layer', SPARSE_LAYER], ['adam', ADAM], ['hessian', HESSIAN], ['pgd-step', PGD_STEP], ['cart', CART], ['cnn-block', CNN_BLOCK], ['cholesky', CHOLESKY], ['finite', FINITE], ['box-clip', BOX_CLIP], ['normal', NORMAL], ['float32', FLOAT32]] as const) {
  test(`the committed ${name} module is the assembly of ${name}.wat (run \`npx tsx tools/build-wasm.ts\` after editing it)`, async () => {
    const source = readFileSync(new URL(`./${name}.wat`, import.meta.url), 'utf8');
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
