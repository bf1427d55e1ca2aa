/**
 * Typed arrays an attack (or a fit) works in, handed back when it ends and lent to the next one of
 * the same size on this thread, instead of made anew each run. Fresh memory costs ~10 µs a 4-KB page to
 * touch on this machine, and a large array is handed back to the system when collected: DeepFool
 * on 50 MNIST rows made ~940 KB of working arrays a run (its iterate, its total step, their float32
 * copies) — ~230 page faults, ~3 ms of its 7–9 ms.
 *
 * Lent, not shared: runs that interleave on one thread (awaiting in turns) each hold their own
 * arrays until they give them back. An array given back must not be used again by the one who gave it.
 */

type Spare = Float64Array | Float32Array | Uint32Array;

/** Arrays kept per thread at most, and bytes; past either, the longest kept goes first. */
const KEEP_ARRAYS = 16;
const KEEP_BYTES = 32 * 1024 * 1024;

/** Kept arrays by kind and length, and all of them in the order they were given back. */
const spare = new Map<string, Spare[]>();
const order: Spare[] = [];
let keptBytes = 0;

const keyOf = (array: Spare) => `${array instanceof Float64Array ? 'f64' : array instanceof Float32Array ? 'f32' : 'u32'}:${array.length}`;

function take(array: Spare): void {
  const list = spare.get(keyOf(array))!;
  list.splice(list.indexOf(array), 1);
  order.splice(order.indexOf(array), 1);
  keptBytes -= array.byteLength;
}

function borrow<T extends Spare>(key: string, make: () => T): T {
  const list = spare.get(key);
  const kept = list?.[list.length - 1] as T | undefined;
  if (!kept) return make();
  take(kept);
  return kept;
}

/** A Float64Array of `length` values (what it holds is undefined: write every value first). */
export function borrowFloat64(length: number): Float64Array {
  return borrow(`f64:${length}`, () => new Float64Array(length));
}

/** A Float32Array of `length` values (what it holds is undefined: write every value first). */
export function borrowFloat32(length: number): Float32Array {
  return borrow(`f32:${length}`, () => new Float32Array(length));
}

/** A Uint32Array of `length` values (what it holds is undefined: write every value first). */
export function borrowUint32(length: number): Uint32Array {
  return borrow(`u32:${length}`, () => new Uint32Array(length));
}

/** Hands `array` back for the next borrower of its kind and length (a view of part of a buffer, or one larger than all that is kept, is not kept). */
export function giveBack(array: Spare): void {
  if (!(array.buffer instanceof ArrayBuffer) || array.byteLength === 0 || array.byteOffset !== 0 || array.byteLength !== array.buffer.byteLength || array.byteLength > KEEP_BYTES) return;
  if (order.includes(array)) return;
  while (order.length >= KEEP_ARRAYS || keptBytes + array.byteLength > KEEP_BYTES) take(order[0]);
  const key = keyOf(array);
  spare.set(key, [...(spare.get(key) ?? []), array]);
  order.push(array);
  keptBytes += array.byteLength;
}

/** Arrays kept now (for tests). */
export function sparesKept(): number {
  return order.length;
}
