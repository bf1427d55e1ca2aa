import { test } from 'node:test';
import assert from 'node:assert/strict';
import { raiseAllocatorThresholds, SpentBuffers } from './spent-buffers.ts';

test('spent output buffers are detached a group at a time (32, or a megabyte, or at once when asked); kept, shared, wasm and partly viewed buffers never are', () => {
  const own = new Float32Array(8);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const inMemory = new Float32Array(memory.buffer, 0, 4);
  const shared = new Float32Array(new SharedArrayBuffer(16));
  const pool = new Uint8Array(64);
  const spent = new SpentBuffers(new Set([own.buffer]));
  const copies: Float32Array[] = [];
  for (let run = 0; run < 31; run++) {
    const copy = new Float32Array(1000).fill(run);
    copies.push(copy);
    // The same buffer twice in one run counts once; a view of part of a buffer is not released.
    spent.add({ grad: { data: copy }, again: { data: copy }, part: { data: pool.subarray(run, run + 1) }, fetch: { data: own }, shared: { data: shared }, labels: { data: ['a'] } });
  }
  assert.ok(copies.every((copy) => copy.length === 1000), 'fewer than a group: nothing released yet');
  spent.add({ grad: { data: new Float32Array(4) } });
  assert.ok(copies.every((copy) => copy.length === 0 && copy.buffer.byteLength === 0), 'the 32nd buffer releases the group');
  const last = new Float32Array(4);
  spent.add({ grad: { data: last }, memory: { data: inMemory } });
  spent.release();
  assert.equal(last.length, 0);
  assert.equal(own.length, 8);
  assert.equal(shared.length, 4);
  assert.equal(inMemory.length, 4);
  assert.equal(pool.length, 64);
  // A megabyte of outputs goes back at once, whatever their number.
  const large = new Float32Array(1 << 18);
  spent.add({ grad: { data: large } });
  assert.equal(large.length, 0);
  // A group of no bytes: each add releases at once (the evasion gradient's outputs).
  const atOnce = new SpentBuffers(new Set(), 0);
  const small = new Float32Array(4);
  atOnce.add({ grad: { data: small } });
  assert.equal(small.length, 0);
});

const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('after the allocator\'s thresholds are raised, two 10.5-MB outputs freed together each step leave their memory for the next: no fresh pages a step (glibc)', { skip: glibc ? false : 'glibc\'s allocator only' }, async () => {
  raiseAllocatorThresholds();
  // Released buffers are freed when the event loop next turns (a training step awaits its native call).
  await turn();
  const spent = new SpentBuffers();
  const values = 10304 * 256;
  const faults = () => process.resourceUsage().minorPageFault;
  // An AT&T faces autoencoder's step: its two weight gradients come back in fresh buffers and are released together.
  const step = async () => {
    spent.add({ w0: { data: new Float32Array(values).fill(1) }, w1: { data: new Float32Array(values).fill(2) } });
    await turn();
  };
  await step();
  await step();
  const before = faults();
  for (let k = 0; k < 10; k++) await step();
  const perStep = (faults() - before) / 10;
  // Given back to the system and touched again, 5,120 pages a step (so before the thresholds were raised); reused, a few
  // (once in seven clean-clone runs, 122.5: the process's own other work, V8's and the runner's, in those ten steps).
  assert.ok(perStep < 1000, `${perStep} page faults a step`);
});
