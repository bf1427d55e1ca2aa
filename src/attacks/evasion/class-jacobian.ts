/**
 * Every class score's gradient at a batch of rows on onnxruntime (`jacobianGraph`), for DeepFool
 * (Moosavi-Dezfooli et al., CVPR 2016): one call an iteration instead of one tfjs backward pass a
 * class. The outputs land in arrays kept for the batch size — a Jacobian of 100 MNIST rows and ten
 * classes is 3 MB, fresh pages every iteration otherwise (~10 µs each here).
 */

import * as ort from 'onnxruntime-node';
import { nativeCall } from '../../parallel/native-guard.ts';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { ownSession, type GraphModel } from './attacker-gradient.ts';
import { jacobianGraph } from './gradient-graphs.ts';

/** The scores (rows × classes) and the Jacobian (classes · rows × d: row k · rows + i is ∇ of row i's score k). */
export interface ClassJacobianAt {
  logits: Float32Array;
  jacobian: Float32Array;
}

/**
 * The Jacobian of a model for batches of up to `capacity` rows: evaluate at the first `rows` rows of
 * x (float32, d values a row), the outputs laid out for those rows; release when the batch is done.
 * `prepare` makes its onnxruntime session (what the first evaluation would make), so that an
 * attack's own time starts after it.
 */
export type ClassJacobian = ((capacity: number) => { evaluate(x: Float32Array, rows: number): Promise<ClassJacobianAt>; release(): void }) & { prepare(): Promise<void> };

/** The class Jacobian of `model` on onnxruntime (its weights held in its own session). */
export function nativeClassJacobian(model: GraphModel): ClassJacobian {
  const { inputSize: d, classes } = model;
  // Its batches shrink as rows meet their goal: no memory plan made for each new shape (onnxruntime's
  // memory pattern; with it, a DeepFool run's first pass on the MNIST CNN took 4.7–4.9 ms a row, 3.7–4.4 without).
  const session = ownSession(() => jacobianGraph(model.network(model.weights), d, classes, `${model.kind}-class-jacobian`), { enableMemPattern: false });
  const forCapacity = (capacity: number) => {
    const logits = new Float32Array(capacity * classes);
    const jacobian = new Float32Array(classes * capacity * d);
    // The run's own copies of what it wrote into its fetches, freed as they come (spent-buffers.ts).
    const spent = new SpentBuffers(new Set([logits.buffer, jacobian.buffer]));
    return {
      async evaluate(x: Float32Array, rows: number): Promise<ClassJacobianAt> {
        const ready = await session();
        const at = { logits: logits.subarray(0, rows * classes), jacobian: jacobian.subarray(0, classes * rows * d) };
        const fetches = { logits: new ort.Tensor('float32', at.logits, [rows, classes]), jacobian: new ort.Tensor('float32', at.jacobian, [classes * rows, d]) };
        spent.add(await nativeCall(() => ready.run({ x: new ort.Tensor('float32', x.subarray(0, rows * d), [rows, d]) }, fetches)));
        return at;
      },
      release: () => spent.release(),
    };
  };
  return Object.assign(forCapacity, { prepare: async () => void (await session()) });
}
