/**
 * Trains a dense softmax network with onnxruntime's native CPU kernels: one call of the step
 * graph (dense-step-graph.ts) a batch, the state double-buffered in pre-allocated tensors so
 * a step allocates nothing. The batch order, initial weights, loss and early stopping are the
 * tfjs loop's (train-loop.ts); the float32 sums run in another order, so the weights agree with
 * the tfjs engine's to rounding, not bit for bit. Same seed, same thread count: same weights.
 */

import * as ort from 'onnxruntime-node';
import type { Matrix } from '../../../math/matrix.ts';
import { ValidationError } from '../../../errors.ts';
import { nativeCall } from '../../../parallel/native-guard.ts';
import { batchSource, runEpochs, type LoopOptions, type LoopResult, type NetworkObjective } from '../train-loop.ts';
import { ADAM, lossGraph, stateShapes, stepGraph, type DenseGraphSpec } from './dense-step-graph.ts';

interface Sessions {
  step: ort.InferenceSession;
  loss: ort.InferenceSession;
}

// One pair of sessions per architecture and thread count, made once per process.
const sessionCache = new Map<string, Promise<Sessions>>();
const SESSION_CACHE_LIMIT = 16;

async function sessionsFor(spec: DenseGraphSpec, threads: number): Promise<Sessions> {
  const key = JSON.stringify([spec.sizes, spec.hidden, spec.l2, spec.optimizer, threads]);
  let sessions = sessionCache.get(key);
  if (!sessions) {
    // No spinning between runs: the thread that gathers the next batch, or a sibling worker, gets the core.
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    sessions = nativeCall(() => Promise.all([ort.InferenceSession.create(stepGraph(spec), options), ort.InferenceSession.create(lossGraph(spec), options)])).then(([step, loss]) => ({ step, loss }));
    // A process that trains many architectures keeps the newest few (a dropped pair is
    // released by the garbage collector once no run holds it).
    if (sessionCache.size >= SESSION_CACHE_LIMIT) sessionCache.delete(sessionCache.keys().next().value!);
    sessionCache.set(key, sessions);
  }
  return sessions;
}

const scalar = (value: number): ort.Tensor => new ort.Tensor('float32', Float32Array.of(value), []);

/** A network's training state in onnxruntime tensors: values, the step's scalars, and one call a batch. */
export class NativeDenseStepper {
  private readonly states: Record<string, ort.Tensor>[];
  private current = 0;
  private steps = 0;
  private readonly scalars = { scale: scalar(1), rate: scalar(0), correction1: scalar(1), correction2: scalar(1) };
  private readonly lossOutput = scalar(0);

  private constructor(
    private readonly spec: DenseGraphSpec,
    private readonly sessions: Sessions,
    parameters: Float32Array[],
    private readonly learningRate: number,
  ) {
    const shapes = stateShapes(spec);
    const make = (): Record<string, ort.Tensor> => Object.fromEntries(shapes.map(({ name, dims }) => [name, new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims)]));
    this.states = [make(), make()];
    this.setParameters(parameters);
  }

  /** Sessions for `spec` (made once per process), starting from `parameters` in w0…, b0… order. */
  static async create(spec: DenseGraphSpec, parameters: Float32Array[], learningRate: number, threads = 1): Promise<NativeDenseStepper> {
    return new NativeDenseStepper(spec, await sessionsFor(spec, threads), parameters, learningRate);
  }

  /** The current parameters (copies), in w0…, b0… order. */
  parameters(): Float32Array[] {
    const state = this.states[this.current];
    return stateShapes({ ...this.spec, optimizer: 'sgd' }).map(({ name }) => (state[name].data as Float32Array).slice());
  }

  /** Replaces the parameters (the optimiser's moments stay). */
  setParameters(values: Float32Array[]): void {
    const state = this.states[this.current];
    stateShapes({ ...this.spec, optimizer: 'sgd' }).forEach(({ name }, k) => {
      const target = state[name].data as Float32Array;
      if (values[k].length !== target.length) throw new ValidationError(`parameter ${name} needs ${target.length} values, got ${values[k].length}`);
      target.set(values[k]);
    });
  }

  private feeds(inputs: Float32Array, targets: Float32Array, rows: number): Record<string, ort.Tensor> {
    const [inputWidth, outputWidth] = [this.spec.sizes[0], this.spec.sizes[this.spec.sizes.length - 1]];
    (this.scalars.scale.data as Float32Array)[0] = 1 / rows;
    return {
      x: new ort.Tensor('float32', inputs, [rows, inputWidth]),
      y: new ort.Tensor('float32', targets, [rows, outputWidth]),
      scale: this.scalars.scale,
      ...this.states[this.current],
    };
  }

  /** One step on a batch of `rows` rows; the batch's loss before the step. */
  async step(inputs: Float32Array, targets: Float32Array, rows: number): Promise<number> {
    this.steps++;
    (this.scalars.rate.data as Float32Array)[0] = this.learningRate;
    (this.scalars.correction1.data as Float32Array)[0] = 1 - ADAM.beta1 ** this.steps;
    (this.scalars.correction2.data as Float32Array)[0] = 1 - ADAM.beta2 ** this.steps;
    const next = this.states[1 - this.current];
    const fetches: Record<string, ort.Tensor> = { loss: this.lossOutput };
    for (const name of Object.keys(next)) fetches[`next_${name}`] = next[name];
    const optimizerInputs = this.spec.optimizer === 'adam' ? this.scalars : { rate: this.scalars.rate };
    const feeds = { ...this.feeds(inputs, targets, rows), ...optimizerInputs };
    await nativeCall(() => this.sessions.step.run(feeds, fetches));
    this.current = 1 - this.current;
    return (this.lossOutput.data as Float32Array)[0];
  }

  /** The loss (with the L2 term) on `rows` rows. */
  async loss(inputs: Float32Array, targets: Float32Array, rows: number): Promise<number> {
    const { scale, ...feeds } = this.feeds(inputs, targets, rows);
    const parameterFeeds = Object.fromEntries(Object.entries(feeds).filter(([name]) => !name.startsWith('m_') && !name.startsWith('v_')));
    const output = await nativeCall(() => this.sessions.loss.run({ ...parameterFeeds, scale }, ['loss']));
    return (output.loss.data as Float32Array)[0];
  }
}

/** The runs the native engine trains: softmax objectives, no per-batch hook of the tfjs loop. */
export function nativeEngineFits(objective: NetworkObjective, options: LoopOptions): boolean {
  return objective.kind !== 'reconstruction' && !options.corrupt && !options.penalty && !options.adversary;
}

/** Trains from `initial` parameters (w0…, b0…) through the shared epoch driver; the trained parameters and the history. */
export async function trainDenseNative(features: Matrix, objective: NetworkObjective, spec: DenseGraphSpec, initial: Float32Array[], options: LoopOptions, threads = 1): Promise<LoopResult & { parameters: Float32Array[] }> {
  const stepper = await NativeDenseStepper.create(spec, options.initial ?? initial, options.learningRate, threads);
  const source = batchSource(features, objective, options.batchSize, options.epochs);
  const validation = options.validation ? batchSource(options.validation.features, options.validation.objective, options.validation.features.rows) : undefined;
  const validationRows = options.validation?.features.rows ?? 0;
  const allRows = Uint32Array.from({ length: validationRows }, (_, k) => k);
  const validationBatch = validation?.batch(allRows, 0, validationRows);
  const history = await runEpochs(features.rows, options, {
    step: (order, start, size) => stepper.step(...source.batch(order, start, size), size),
    validationLoss: validationBatch ? () => stepper.loss(...validationBatch, validationRows) : undefined,
    snapshot: () => stepper.parameters(),
    restore: (values) => stepper.setParameters(values),
  });
  return { ...history, parameters: stepper.parameters() };
}
