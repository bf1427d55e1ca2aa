/**
 * A class's cross-entropy and its gradient at a batch of rows on onnxruntime (`crossEntropyGraph`),
 * for Szegedy et al.'s box-constrained L-BFGS (ICLR 2014): one call evaluates every row's objective
 * at once — each row its own point and target class — instead of a tfjs forward and backward pass
 * and a second forward pass for the prediction, a row at a time.
 */

import * as ort from 'onnxruntime-node';
import { nativeCall } from '../../parallel/native-guard.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { ownSession, type GraphModel } from './attacker-gradient.ts';
import { crossEntropyGraph } from './gradient-graphs.ts';

/** At a batch of rows: their scores (rows × classes), −log p_aim (one a row) and that loss's gradient in each row (rows × d), in arrays kept for the batch. */
export interface CrossEntropyAt {
  logits: Float32Array;
  loss: Float32Array;
  gradient: Float32Array;
}

/**
 * The cross-entropy of each row's aim, for batches of up to `capacity` rows: evaluate at the first
 * `rows` rows of x (float32, d values a row) with `aim` (rows × classes, one-hot); release when the
 * batch is done. `prepare` makes its onnxruntime session.
 */
export type CrossEntropyGradient = ((capacity: number) => { evaluate(x: Float32Array, aim: Float32Array, rows: number): Promise<CrossEntropyAt>; release(): void }) & { prepare(): Promise<void> };

/** The cross-entropy gradient of `model` on onnxruntime (its weights held in its own session). */
export function nativeCrossEntropy(model: GraphModel): CrossEntropyGradient {
  const { inputSize: d, classes } = model;
  // Its batches shrink as rows finish their solves: no memory plan made for each new shape.
  const session = ownSession(() => crossEntropyGraph(model.network(model.weights), d, `${model.kind}-cross-entropy`), { enableMemPattern: false });
  const forCapacity = (capacity: number) => {
    const kept = { logits: new Float32Array(capacity * classes), loss: new Float32Array(capacity), gradient: new Float32Array(capacity * d) };
    // The run's own copies of what it wrote into its fetches, freed as they come (spent-buffers.ts).
    const spent = new SpentBuffers(new Set(Object.values(kept).map((array) => array.buffer)));
    return {
      async evaluate(x: Float32Array, aim: Float32Array, rows: number): Promise<CrossEntropyAt> {
        const ready = await session();
        const at = { logits: kept.logits.subarray(0, rows * classes), loss: kept.loss.subarray(0, rows), gradient: kept.gradient.subarray(0, rows * d) };
        const fetches = { logits: new ort.Tensor('float32', at.logits, [rows, classes]), loss: new ort.Tensor('float32', at.loss, [rows, 1]), gradient: new ort.Tensor('float32', at.gradient, [rows, d]) };
        const feeds = { x: new ort.Tensor('float32', x.subarray(0, rows * d), [rows, d]), aim: new ort.Tensor('float32', aim.subarray(0, rows * classes), [rows, classes]) };
        spent.add(await nativeCall(() => ready.run(feeds, fetches)));
        return at;
      },
      release: () => spent.release(),
    };
  };
  return Object.assign(forCapacity, { prepare: async () => void (await session()) });
}
