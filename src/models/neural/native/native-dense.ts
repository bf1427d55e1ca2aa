/**
 * Trains a dense softmax network with onnxruntime's native CPU kernels: the loss and gradients of
 * dense-step-graph.ts, stepped by the native engine's stepper (native-stepper.ts: one onnxruntime
 * call a batch, then Adam in WebAssembly). The batch order, initial weights, loss and early
 * stopping are the tfjs loop's (train-loop.ts); the weights agree with the tfjs engine's to
 * rounding, not bit for bit. DP-SGD's graphs too (`densePrivateStepGraphs`).
 */

import type { ColumnScaler } from '../../../data/encoders/scaling.ts';
import type { Matrix } from '../../../math/matrix.ts';
import type { LoopOptions, LoopResult, NetworkObjective } from '../train-loop.ts';
import { gradientGraph, lossGraph, parameterShapes, privateGradientGraph, type DenseGraphSpec } from './dense-step-graph.ts';
import { NativeStepper, trainNative, type StepGraphs } from './native-stepper.ts';

/** The training graphs of a dense network of `spec`. */
export function denseStepGraphs(spec: DenseGraphSpec): StepGraphs {
  const graph = { ...spec, rows: spec.rows ?? 'double', scaledInputs: spec.scaledInputs ?? false };
  const depth = spec.sizes.length - 1;
  return {
    key: JSON.stringify(['dense', graph.sizes, graph.hidden, graph.l2, graph.scaledInputs, graph.rows, graph.adversarialSteps ?? 0, graph.output ?? 'softmax', graph.corruption ?? 'none']),
    gradient: () => gradientGraph(graph),
    loss: () => lossGraph(graph),
    shapes: parameterShapes(spec.sizes),
    penalized: Array.from({ length: depth }, (_, l) => l),
    inputWidth: spec.sizes[0],
    outputWidth: spec.sizes[depth],
    rows: graph.rows,
    scaledInputs: graph.scaledInputs,
    adversarialSteps: graph.adversarialSteps,
    corruption: graph.corruption,
  };
}

/** A stepper of a dense network of `spec` (its rows scaled in the graph by `scaling` where given), from `parameters` in w0…, b0… order. */
export function denseStepper(spec: DenseGraphSpec, optimizer: 'adam' | 'sgd', parameters: Float32Array[], learningRate: number, threads = 1, scaling?: ColumnScaler): Promise<NativeStepper> {
  return NativeStepper.create(denseStepGraphs({ ...spec, scaledInputs: scaling !== undefined }), optimizer, parameters, learningRate, threads, scaling);
}

/** Trains from `initial` parameters (w0…, b0…) through the shared epoch driver, on rows scaled by `scaling` where given (training and validation rows arrive unscaled) — the rows `only` of `features` where given — ; the trained parameters and the history. */
export function trainDenseNative(
  features: Matrix,
  objective: NetworkObjective,
  spec: DenseGraphSpec,
  initial: Float32Array[],
  options: LoopOptions,
  threads = 1,
  scaling?: ColumnScaler,
  only?: Uint32Array,
): Promise<LoopResult & { parameters: Float32Array[] }> {
  return trainNative(features, objective, (rows, scaledInputs) => denseStepGraphs({ ...spec, rows, scaledInputs, adversarialSteps: options.adversary?.steps, corruption: options.corruption?.kind }), initial, options, { threads, scaling, only });
}

/**
 * The graphs of DP-SGD (Abadi et al., CCS 2016) on the native engine for a dense network of `spec`
 * (native-private.ts trains with them): each step's sampled rows clipped and summed in one
 * onnxruntime call (`privateGradientGraph`), on float32 rows.
 */
export function densePrivateStepGraphs(spec: DenseGraphSpec): StepGraphs {
  const graph = { ...spec, rows: 'float' as const, scaledInputs: false };
  return { ...denseStepGraphs(graph), key: JSON.stringify(['dense-private', graph.sizes, graph.hidden]), gradient: () => privateGradientGraph(graph), batchesVary: true };
}
