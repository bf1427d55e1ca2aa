/**
 * Carlini & Wagner's L2 objective (IEEE S&P 2017) and its gradient in tanh space on onnxruntime:
 * one run a step of the attack, for a batch of rows (`cwObjectiveGraph`). The model's weights are
 * held in a session of its own, made on the first step (an attack of hundreds of steps a row pays
 * for it at once); the gradient is written straight into the caller's array (Adam's, in its
 * WebAssembly memory), the image, distances and margins into arrays kept for the batch.
 */

import * as ort from 'onnxruntime-node';
import { SpentBuffers } from '../../parallel/spent-buffers.ts';
import { nativeCall } from '../../parallel/native-guard.ts';
import { ownSession, type GraphModel } from './attacker-gradient.ts';
import { cwObjectiveGraph } from './gradient-graphs.ts';

/** A batch the objective is evaluated on, fixed for its steps. */
export interface CwBatch {
  /** The rows attacked (rows × d, float32). */
  x0: Float32Array;
  rows: number;
  /** The box (d values each): the image is low + span · (tanh(w) + 1) / 2. */
  low: Float32Array;
  span: Float32Array;
  /** The label each row is pushed away from (untargeted) or toward (`targeted`). */
  aim: Int32Array;
  targeted: boolean;
  /** Where each evaluation writes the objective's gradient in w (rows × d). */
  gradient: Float32Array;
}

/** What an evaluation leaves, besides the gradient: each row's image, squared L2 distance to its row, and margin (unfloored). */
export interface CwPoint {
  image: Float32Array;
  distance: Float32Array;
  margin: Float32Array;
}

/** The objective on one batch: evaluate at w with each row's constant c and the floor −κ; release when the batch is done. */
export interface CwBatchObjective {
  evaluate(w: Float32Array, c: Float32Array, kappa: number): Promise<CwPoint>;
  release(): void;
}

/** Carlini & Wagner's objective of a model, batch by batch; `prepare` makes its onnxruntime session (what the first step would make). */
export type CwObjective = ((batch: CwBatch) => CwBatchObjective) & { prepare(): Promise<void> };

/** The objective of `model` on onnxruntime (its weights held in its own session). */
export function nativeCwObjective(model: GraphModel): CwObjective {
  const { inputSize: d, classes } = model;
  const session = ownSession(() => cwObjectiveGraph(model.network(model.weights), d, `${model.kind}-carlini-wagner`));
  const forBatch = (batch: CwBatch): CwBatchObjective => {
    const { rows } = batch;
    const point: CwPoint = { image: new Float32Array(rows * d), distance: new Float32Array(rows), margin: new Float32Array(rows) };
    const fetches = {
      image: new ort.Tensor('float32', point.image, [rows, d]),
      distance: new ort.Tensor('float32', point.distance, [rows, 1]),
      margin: new ort.Tensor('float32', point.margin, [rows, 1]),
      gradient: new ort.Tensor('float32', batch.gradient.subarray(0, rows * d), [rows, d]),
    };
    const oneHot = new Float32Array(rows * classes);
    for (let i = 0; i < rows; i++) oneHot[i * classes + batch.aim[i]] = 1;
    const fixed = {
      x0: new ort.Tensor('float32', batch.x0.subarray(0, rows * d), [rows, d]),
      low: new ort.Tensor('float32', batch.low, [1, d]),
      span: new ort.Tensor('float32', batch.span, [1, d]),
      aim: new ort.Tensor('float32', oneHot, [rows, classes]),
      sign: new ort.Tensor('float32', Float32Array.of(batch.targeted ? -1 : 1), []),
    };
    // The run's own copies of the outputs it wrote into `fetches`, freed as they come (spent-buffers.ts).
    const spent = new SpentBuffers(new Set(Object.values(fetches).map((tensor) => (tensor.data as Float32Array).buffer)));
    return {
      async evaluate(w: Float32Array, c: Float32Array, kappa: number) {
        const ready = await session();
        const feeds = { ...fixed, w: new ort.Tensor('float32', w.subarray(0, rows * d), [rows, d]), c: new ort.Tensor('float32', c, [rows, 1]), floor: new ort.Tensor('float32', Float32Array.of(-kappa), []) };
        spent.add(await nativeCall(() => ready.run(feeds, fetches)));
        return point;
      },
      release: () => spent.release(),
    };
  };
  return Object.assign(forBatch, { prepare: async () => void (await session()) });
}
