/**
 * A class's cross-entropy and its gradient at one row on onnxruntime (`crossEntropyGraph`), for
 * Szegedy et al.'s box-constrained L-BFGS (ICLR 2014): one call an evaluation of its objective,
 * instead of a tfjs forward and backward pass and a second forward pass for the prediction.
 */

import * as ort from 'onnxruntime-node';
import { nativeCall } from '../../parallel/native-guard.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { ownSession, type GraphModel } from './attacker-gradient.ts';
import { crossEntropyGraph } from './gradient-graphs.ts';

/** At a row: its scores, −log p_aim, and that loss's gradient in the row (arrays kept for the row's evaluations). */
export interface CrossEntropyAt {
  logits: Float32Array;
  loss: number;
  gradient: Float32Array;
}

/**
 * The cross-entropy of class `aim` at single rows: evaluate at x (d values, float32); release when
 * the row is done. `prepare` makes its onnxruntime session.
 */
export type CrossEntropyGradient = ((aim: number) => { evaluate(x: Float32Array): Promise<CrossEntropyAt>; release(): void }) & { prepare(): Promise<void> };

/** The cross-entropy gradient of `model` on onnxruntime (its weights held in its own session). */
export function nativeCrossEntropy(model: GraphModel): CrossEntropyGradient {
  const { inputSize: d, classes } = model;
  const session = ownSession(() => crossEntropyGraph(model.network(model.weights), d, `${model.kind}-cross-entropy`));
  const forAim = (aim: number) => {
    const logits = new Float32Array(classes);
    const loss = new Float32Array(1);
    const gradient = new Float32Array(d);
    const fetches = { logits: new ort.Tensor('float32', logits, [1, classes]), loss: new ort.Tensor('float32', loss, [1, 1]), gradient: new ort.Tensor('float32', gradient, [1, d]) };
    const oneHot = new Float32Array(classes);
    oneHot[aim] = 1;
    const aimTensor = new ort.Tensor('float32', oneHot, [1, classes]);
    // The run's own copies of what it wrote into `fetches`, freed as they come (spent-buffers.ts).
    const spent = new SpentBuffers(new Set([logits.buffer, loss.buffer, gradient.buffer]));
    return {
      async evaluate(x: Float32Array): Promise<CrossEntropyAt> {
        const ready = await session();
        spent.add(await nativeCall(() => ready.run({ x: new ort.Tensor('float32', x, [1, d]), aim: aimTensor }, fetches)));
        return { logits, loss: loss[0], gradient };
      },
      release: () => spent.release(),
    };
  };
  return Object.assign(forAim, { prepare: async () => void (await session()) });
}
