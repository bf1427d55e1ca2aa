/**
 * The row loops of growing a CART tree (Breiman et al. 1984) in WebAssembly (`cart.wat`): class
 * counts of a node's rows per two-valued column, per rank (histogram or presorted order), each
 * row's side of a split, the stable split of a segment, and the scoring of candidate splits
 * (Gini or entropy). models/tree/cart.ts lays its arrays out in the kernel's memory and calls these. Compiled
 * before the first call, where the JavaScript loops ran uncompiled over every training row in a
 * process's first fit (the counts are whole numbers: the same tree, tested node for node).
 */

import { WASM_BASE64 } from './cart.wasm.ts';
import { compileSoon, ensureBytes, instantiate } from './memory.ts';

compileSoon(WASM_BASE64);

/** The kernel's functions; every array argument is a byte offset in its memory (see cart.wat). */
export interface CartExports {
  /** What a function returns beside its result: the rows present (presortedGroups), the rows right (sidesOfRanks). */
  second: WebAssembly.Global;
  /** The gain of the prefix bestPrefix chose. */
  bestGain: WebAssembly.Global;
  zero(counts: number, cells: number): void;
  classCounts(order: number, start: number, end: number, labels: number, counts: number, k: number): void;
  countOnes(order: number, start: number, end: number, labels: number, setStart: number, setSlots: number, ones: number, k: number, cells: number): void;
  fillHistogram(histogram: number, cells: number, k: number, order: number, start: number, end: number, ranks: number, labels: number): number;
  histogramToGroups(histogram: number, k: number, distinct: number, groupRanks: number, groupCounts: number): number;
  presortedGroups(sorted: number, start: number, end: number, ranks: number, labels: number, k: number, groupRanks: number, groupCounts: number): number;
  sidesOfSlot(order: number, start: number, end: number, setStart: number, setSlots: number, slot: number, goesRight: number): number;
  sidesOfRanks(order: number, start: number, end: number, ranks: number, cut: number, table: number, goesRight: number): number;
  settleMissing(order: number, start: number, end: number, goesRight: number, side: number): void;
  splitSegment(rows: number, start: number, end: number, goesRight: number, scratch: number): void;
  bestPrefix(counts: number, groups: number, order: number, k: number, present: number, size: number, minLeaf: number, scratch: number, entropy: number): number;
  binaryGains(ones: number, slots: number, k: number, nodeTotal: number, size: number, minLeaf: number, scratch: number, gains: number, entropy: number): void;
}

/**
 * A fit needing more than this many bytes gets a memory of its own, dropped with the fit, rather
 * than growing the thread's for good (a server's training worker keeps its memory: Adult needs
 * 5 MB, a tree on 60,000 Fashion-MNIST images ~200 MB).
 */
const SHARED_BYTES = 64 << 20;

/** This thread's instance and memory, grown to the largest fit below SHARED_BYTES (a fresh memory per fit would reserve address space per tree of a forest). */
let shared: { memory: WebAssembly.Memory; exports: CartExports } | undefined;

/**
 * The kernel over a memory of at least `bytes` (its contents undefined): the thread's, valid until
 * the next call (a fit lays its arrays out, grows the tree synchronously and is done), or for a
 * larger fit a fresh one.
 */
export function cartKernel(bytes: number): { exports: CartExports; buffer: ArrayBuffer } {
  if (bytes > SHARED_BYTES) {
    const own = fresh(bytes);
    return { exports: own.exports, buffer: own.memory.buffer };
  }
  shared ??= fresh(bytes);
  ensureBytes(shared.memory, bytes);
  return { exports: shared.exports, buffer: shared.memory.buffer };
}

/** An instance over a new memory of at least `bytes`. */
function fresh(bytes: number): { memory: WebAssembly.Memory; exports: CartExports } {
  const memory = new WebAssembly.Memory({ initial: pagesFor(bytes) });
  return { memory, exports: instantiate<CartExports>(WASM_BASE64, { env: { memory, log2: Math.log2 } }) };
}

/** 64 KiB pages holding `bytes` (one at least). */
function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 65536));
}
