import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assembleWat } from './assemble.ts';
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

for (const [name, committed] of [['sparse-layer', SPARSE_LAYER], ['adam', ADAM], ['hessian', HESSIAN], ['pgd-step', PGD_STEP], ['cart', CART], ['cnn-block', CNN_BLOCK], ['cholesky', CHOLESKY], ['finite', FINITE], ['box-clip', BOX_CLIP], ['normal', NORMAL]] as const) {
  test(`the committed ${name} module is the assembly of ${name}.wat (run \`npx tsx tools/build-wasm.ts\` after editing it)`, async () => {
    const source = readFileSync(new URL(`./${name}.wat`, import.meta.url), 'utf8');
    assert.equal(Buffer.from(await assembleWat(source, `${name}.wat`)).toString('base64'), committed);
  });
}
