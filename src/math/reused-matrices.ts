/**
 * Matrices a computation writes and reads back before it returns (a network's hidden layers, a
 * CNN's pooled features), kept by this thread for its next call instead of made anew. Fresh memory
 * costs ~12 µs a 4-KB page to touch on this machine and large typed arrays are handed back to the
 * system when collected: a 1,000-row forward pass of an MNIST 784-128-10 MLP touched ~250 new
 * pages a call for its hidden layer alone (3 ms of its 15), the CNN's 3.2 MB of features ~800.
 * A caller must be done with a matrix before the next call that takes the same slot.
 */

import { createMatrix, type Matrix } from './matrix.ts';

/** The slots: two for a network's layers in turn, one for a CNN's features. */
export const HIDDEN_A = 0;
export const HIDDEN_B = 1;
export const CNN_FEATURES = 2;

/** Values kept per slot at most (32 MB); a larger matrix is made fresh. */
const KEEP_AT_MOST = 1 << 22;

const kept: (Float64Array | undefined)[] = [];

/** A rows × cols matrix over the slot's kept memory (its values undefined: the caller writes every one). */
export function reusedMatrix(slot: number, rows: number, cols: number): Matrix {
  const length = rows * cols;
  if (length > KEEP_AT_MOST) return createMatrix(rows, cols);
  let buffer = kept[slot];
  if (!buffer || buffer.length < length) kept[slot] = buffer = new Float64Array(length);
  return { rows, cols, data: buffer.subarray(0, length) };
}
