import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assembleWat } from './assemble.ts';
import { WASM_BASE64 } from './sparse-layer.wasm.ts';

test('the committed kernel module is the assembly of sparse-layer.wat (run `npx tsx tools/build-wasm.ts` after editing it)', async () => {
  const source = readFileSync(new URL('./sparse-layer.wat', import.meta.url), 'utf8');
  assert.equal(Buffer.from(await assembleWat(source, 'sparse-layer.wat')).toString('base64'), WASM_BASE64);
});
