/**
 * DeepFool's linearisation and choice of boundary at a batch of rows on onnxruntime
 * (`deepFoolStepGraph`), for Moosavi-Dezfooli et al. (CVPR 2016): one call an iteration gives each
 * row's predicted class and the step's direction, gap and squared norm, instead of one tfjs
 * backward pass a class and the choice in JavaScript. The outputs land in arrays kept for the
 * batch and are a row's worth each (the whole Jacobian of 50 MNIST rows and ten classes, 1.6 MB,
 * went to fresh pages each run).
 */

import * as ort from 'onnxruntime-node';
import { borrowFloat32, giveBack } from '../../math/spare-arrays.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { ownSession, type GraphModel } from './attacker-gradient.ts';
import { deepFoolStepGraph } from './gradient-graphs.ts';

/** Per row: the predicted class, and toward the chosen boundary the score gap, ‖w‖² and w (rows × d). */
export interface DeepFoolStepAt {
  predicted: Float32Array;
  gap: Float32Array;
  norm2: Float32Array;
  direction: Float32Array;
}

/**
 * DeepFool's step for batches of up to `capacity` rows in a box (`low`, `high`): evaluate at the
 * first `rows` rows of x (float32, d values a row) with `allowed` (rows × classes: the classes each
 * row may be pushed to); release when the batch is done. `prepare` makes its onnxruntime session.
 */
export type DeepFoolStep = ((capacity: number, low: Float32Array, high: Float32Array) => { evaluate(x: Float32Array, allowed: Float32Array, rows: number): Promise<DeepFoolStepAt>; release(): void }) & { prepare(): Promise<void> };

/** DeepFool's step of `model` on onnxruntime (its weights held in its own session). */
export function nativeDeepFoolStep(model: GraphModel): DeepFoolStep {
  const { inputSize: d, classes } = model;
  // Its batches shrink as rows meet their goal: no memory plan made for each new shape (onnxruntime's
  // memory pattern; with it, a DeepFool run's first pass on the MNIST CNN took 4.7–4.9 ms a row, 3.7–4.4 without).
  const session = ownSession(() => deepFoolStepGraph(model.network(model.weights), d, classes, `${model.kind}-deepfool-step`), { enableMemPattern: false });
  const forCapacity = (capacity: number, low: Float32Array, high: Float32Array) => {
    const kept = { predicted: new Float32Array(capacity), gap: new Float32Array(capacity), norm2: new Float32Array(capacity), direction: borrowFloat32(capacity * d) };
    const box = { low: new ort.Tensor('float32', low, [1, d]), high: new ort.Tensor('float32', high, [1, d]) };
    // The run's own copies of what it wrote into its fetches, freed as they come (spent-buffers.ts).
    const spent = new SpentBuffers(new Set(Object.values(kept).map((array) => array.buffer)));
    return {
      async evaluate(x: Float32Array, allowed: Float32Array, rows: number): Promise<DeepFoolStepAt> {
        const ready = await session();
        const at = { predicted: kept.predicted.subarray(0, rows), gap: kept.gap.subarray(0, rows), norm2: kept.norm2.subarray(0, rows), direction: kept.direction.subarray(0, rows * d) };
        const fetches = {
          predicted: new ort.Tensor('float32', at.predicted, [rows, 1]),
          gap: new ort.Tensor('float32', at.gap, [rows, 1]),
          norm2: new ort.Tensor('float32', at.norm2, [rows, 1]),
          direction: new ort.Tensor('float32', at.direction, [rows, d]),
        };
        const feeds = { ...box, x: new ort.Tensor('float32', x.subarray(0, rows * d), [rows, d]), allowed: new ort.Tensor('float32', allowed.subarray(0, rows * classes), [rows, classes]) };
        spent.add(await nativeCall(() => ready.run(feeds, fetches)));
        return at;
      },
      release: () => {
        spent.release();
        giveBack(kept.direction);
      },
    };
  };
  return Object.assign(forCapacity, { prepare: async () => void (await session()) });
}
