/**
 * The native training engine's step, for any network whose loss and gradients are written out as
 * an ONNX graph (dense-step-graph.ts, cnn-step-graph.ts): one onnxruntime call of the gradient
 * graph a batch, a weight penalty's gradient added where one is given (WeightPenalty.values:
 * malicious training's loss terms), then Adam in one WebAssembly pass per tensor
 * (math/wasm/adam-kernel.ts, tfjs's float32 Adam) or SGD. Parameters, moments and gradients live
 * in the kernel's memory; onnxruntime reads the parameters from it and writes the gradients into
 * it (pre-allocated outputs). (onnxruntime-node 1.30 still hands back a fresh copy of every output
 * with each run — about the gradients' size, and the garbage collections that follow; it cannot be
 * turned off from JS, and the copies are not read.) The batch order, initial weights, loss and
 * early stopping are the tfjs loop's (train-loop.ts); the float32 sums run in another order, so
 * the weights agree with the tfjs engine's to rounding, not bit for bit. Same seed, same thread
 * count, same processor family: same weights (onnxruntime picks its GEMM kernels by instruction
 * set — AVX-512 here — so another CPU may round differently; the tfjs engine's WebAssembly gives
 * the same bits everywhere).
 */

import * as ort from 'onnxruntime-node';
import type { ColumnScaler } from '../../../data/encoders/scaling.ts';
import type { Matrix } from '../../../math/matrix.ts';
import { AdamKernel } from '../../../math/wasm/adam-kernel.ts';
import { ValidationError } from '../../../errors.ts';
import { nativeCall } from '../../../parallel/native-guard.ts';
import { openDirectSession, type DirectSession } from './direct-session.ts';
import { gatherRows, runEpochs, targetRows, type LoopOptions, type LoopResult, type NetworkObjective, type WeightPenalty } from '../train-loop.ts';
import { float32Rows, ROUND_ONCE_FROM_PASSES } from './float32-rows.ts';
import { adversaryStepSizes, type TrainingAdversary } from '../../../defenses/adversarial-training.ts';
import type { Rng } from '../../../random.ts';
import type { InputCorruption } from '../input-corruption.ts';
import { SpentBuffers } from '../../../parallel/spent-buffers.ts';

/**
 * A network's training graphs. Both take `data` (rows × `inputWidth`, float64 or — `rows:
 * 'float'` — float32), `targets` (rows × `outputWidth`, float32), `indices` (int32, the batch's
 * rows), `scale` (1 / batch rows) and the parameters by name; the gradient graph also `ones`
 * (batch values, all ones) and, with `scaledInputs`, `offset`, `factor` (per column) and
 * `shift`; with `adversarialSteps`, `noise` (batch × inputWidth) and `radius`, `lower`, `upper`
 * and `step` (inputWidth each: adversarial training's PGD, made in the graph). The gradient
 * graph's outputs are `loss` and `grad_<name>` for each parameter; the loss graph's `loss`.
 */
export interface StepGraphs {
  /** Names the graphs (with the thread count, the key of the sessions made once per process). */
  key: string;
  gradient(): Uint8Array;
  loss(): Uint8Array;
  /** The parameters in the tfjs loop's variable order, each as tfjs holds it (row-major). */
  shapes: { name: string; dims: number[] }[];
  /**
   * The batches' sizes vary from step to step (DP-SGD's Poisson sampling): the sessions plan no
   * memory for each new shape, and take each tensor from onnxruntime's arena, where a freed block
   * serves the next batch whatever its size. A planned block a shape took a DP-SGD CNN's first
   * fit (3,000 MNIST rows, batch ~256) 16,800 fresh pages and its second 11,200 (467 and 333 ms),
   * against 9,800 and 180 (406 and 227 ms); 218 against 223 ms warm.
   */
  batchesVary?: boolean;
  /** The positions in `shapes` of the weights under a weight penalty, in the penalty's order (`TrainableNetwork.penalized`). */
  penalized: number[];
  inputWidth: number;
  outputWidth: number;
  rows: 'double' | 'float';
  scaledInputs: boolean;
  /** PGD steps the gradient graph takes on each batch before its loss (adversarial training); absent: none. */
  adversarialSteps?: number;
  /** The corruption the gradient graph applies to each batch's inputs (a denoising autoencoder), from draws fed each step; absent: none. */
  corruption?: InputCorruption['kind'];
}

interface Sessions {
  gradients: DirectSession;
  /** The loss graph's session, made on first use (only a run with validation rows needs it; making one takes ~4 ms). */
  loss: () => Promise<DirectSession>;
}

// The sessions of each network shape and thread count, made once per process (the loss graph's on first use).
const sessionCache = new Map<string, Promise<Sessions>>();
const SESSION_CACHE_LIMIT = 16;

async function sessionsFor(graphs: StepGraphs, threads: number): Promise<Sessions> {
  const key = JSON.stringify([graphs.key, threads]);
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
      ...(graphs.batchesVary ? { enableMemPattern: false } : {}),
    };
    let loss: Promise<DirectSession> | undefined;
    const lossSession = () => (loss ??= nativeCall(() => openDirectSession(graphs.loss(), options)));
    sessions = nativeCall(() => openDirectSession(graphs.gradient(), options)).then((gradients) => ({ gradients, loss: lossSession }));
    // A process that trains many architectures keeps the newest few (a dropped pair is
    // released by the garbage collector once no run holds it).
    if (sessionCache.size >= SESSION_CACHE_LIMIT) sessionCache.delete(sessionCache.keys().next().value!);
    sessionCache.set(key, sessions);
  }
  return sessions;
}

/** A data set's rows and targets as tensors over their memory. */
export interface RowSet {
  data: ort.Tensor;
  targets: ort.Tensor;
  rows: number;
}

const scalar = (value: number): ort.Tensor => new ort.Tensor('float32', Float32Array.of(value), []);

/** A network's parameters, the optimiser's state and one native call a batch. */
export class NativeStepper {
  private readonly kernel: AdamKernel;
  /** Input tensors over the parameters in the kernel's memory, by name. */
  private readonly parameterFeeds: Record<string, ort.Tensor> = {};
  /** Output tensors over the gradients in the kernel's memory, and the loss. */
  private readonly fetches: Record<string, ort.Tensor> = {};
  private readonly scale = scalar(1);
  private readonly lossOutput = scalar(0);
  /** A private gradient graph's count of clipped rows (`privateStep`). */
  private readonly clippedOutput = scalar(0);
  /** Room for one parameter's noise draws (`privateStep`). */
  private noise = new Float64Array(0);
  /** A row of ones as long as the longest batch yet (the bias gradients' products). */
  private ones = new Float32Array(0);

  /** The column scaling's inputs, when the rows arrive unscaled. */
  private readonly scalingFeeds: Record<string, ort.Tensor> = {};
  /** The runs' own copies of the outputs (written into `fetches` already), released as they come. */
  private readonly spent: SpentBuffers;
  /** A loss term on the weights, added to each batch's loss and gradients after the native call (malicious training). */
  private penalty?: WeightPenalty;
  /** Adversarial training's ball, box and steps as the gradient graph takes them, the rng of its random starts and their room. */
  private adversary?: { feeds: Record<string, ort.Tensor>; rng: Rng; noise: Float32Array };
  /** A denoising autoencoder's corruption: its level as the graph takes it, the rng of its draws and their room. */
  private corruption?: { kind: InputCorruption['kind']; level: ort.Tensor; rng: Rng; draws: Float32Array; normals: Float64Array };

  private constructor(
    private readonly graphs: StepGraphs,
    private readonly optimizer: 'adam' | 'sgd',
    private readonly sessions: Sessions,
    parameters: Float32Array[],
    private readonly learningRate: number,
    scaling?: ColumnScaler,
  ) {
    if (scaling) {
      const columns = graphs.inputWidth;
      this.scalingFeeds.offset = new ort.Tensor('float64', scaling.offset, [columns]);
      this.scalingFeeds.factor = new ort.Tensor('float64', scaling.factor, [columns]);
      this.scalingFeeds.shift = new ort.Tensor('float64', Float64Array.of(scaling.shift), []);
    }
    const shapes = graphs.shapes;
    // Moments flushed below the smallest normal float32 (see AdamKernel): the values step as tfjs's.
    this.kernel = new AdamKernel(shapes.map(({ dims }) => dims.reduce((a, b) => a * b, 1)), learningRate, undefined, true);
    shapes.forEach(({ name, dims }, k) => {
      this.parameterFeeds[name] = new ort.Tensor('float32', this.kernel.values(k), dims);
      this.fetches[`grad_${name}`] = new ort.Tensor('float32', this.kernel.gradient(k), dims);
    });
    this.fetches.loss = this.lossOutput;
    this.spent = new SpentBuffers(new Set([...Object.values(this.fetches), this.clippedOutput].map((tensor) => (tensor.data as Float32Array).buffer)));
    this.setParameters(parameters);
  }

  /** Sessions for `graphs` (made once per process), starting from `parameters` in `graphs.shapes` order; `scaling` when the graphs scale their rows. */
  static async create(graphs: StepGraphs, optimizer: 'adam' | 'sgd', parameters: Float32Array[], learningRate: number, threads = 1, scaling?: ColumnScaler): Promise<NativeStepper> {
    if (graphs.scaledInputs !== (scaling !== undefined)) throw new ValidationError(`the graphs ${graphs.scaledInputs ? 'scale their rows and need' : 'take rows scaled and no'} column scaling`);
    return new NativeStepper(graphs, optimizer, await sessionsFor(graphs, threads), parameters, learningRate, scaling);
  }

  /** The current parameters (copies), in `graphs.shapes` order. */
  parameters(): Float32Array[] {
    return this.graphs.shapes.map((_, k) => this.kernel.values(k).slice());
  }

  /** Adds `penalty` (which must give its `values`) to every batch's loss and gradients and to the validation loss. */
  penalise(penalty: WeightPenalty): void {
    if (!penalty.values) throw new ValidationError('the native engine needs a weight penalty computed on the values (WeightPenalty.values); train on tfjs for this one');
    this.penalty = penalty;
  }

  /**
   * Trains on each batch's PGD examples (the gradient graph's `adversarialSteps`; Madry et al.
   * 2018): the ball and box per column in the network's input coordinates, the random starts drawn
   * from `adversary.rng` (uniform in [−1, 1), a batch's rows after one another).
   */
  trainAdversarially(adversary: TrainingAdversary): void {
    const { inputWidth, adversarialSteps } = this.graphs;
    if (adversarialSteps !== adversary.steps) throw new ValidationError(`the gradient graph takes ${adversarialSteps ?? 0} PGD steps a batch, the adversary ${adversary.steps}`);
    const { radius, lower, upper } = adversary.box;
    if (radius.length !== inputWidth || lower.length !== inputWidth || upper.length !== inputWidth) throw new ValidationError(`the adversary's box has ${radius.length} columns; the network takes ${inputWidth}`);
    const column = (values: ArrayLike<number>) => new ort.Tensor('float32', Float32Array.from(values), [inputWidth]);
    this.adversary = {
      feeds: { radius: column(radius), lower: column(lower), upper: column(upper), step: column(adversaryStepSizes(radius, adversary.steps)) },
      rng: adversary.rng,
      noise: new Float32Array(0),
    };
  }

  /**
   * Corrupts each batch's inputs before the step (the gradient graph's `corruption`; Vincent et al.
   * 2008): a batch's draws from `rng` — standard normals (`Rng.fillNormal`, rounded to float32) or
   * uniforms in [0, 1) — its rows after one another.
   */
  corruptInputs(corruption: InputCorruption, rng: Rng): void {
    if (this.graphs.corruption !== corruption.kind) throw new ValidationError(`the gradient graph corrupts its inputs by ${this.graphs.corruption ?? 'nothing'}, the training by ${corruption.kind}`);
    this.corruption = { kind: corruption.kind, level: scalar(corruption.level), rng, draws: new Float32Array(0), normals: new Float64Array(0) };
  }

  /** The penalised tensors' values and, for a step, their gradients. */
  private penaltyValue(withGradients: boolean): number {
    if (!this.penalty?.values) return 0;
    const at = this.graphs.penalized;
    const weights = at.map((k) => this.kernel.values(k));
    return this.penalty.values(weights, withGradients ? at.map((k) => this.kernel.gradient(k)) : undefined);
  }

  /** Replaces the parameters (the optimiser's moments stay). */
  setParameters(values: Float32Array[]): void {
    this.graphs.shapes.forEach(({ name }, k) => {
      const target = this.kernel.values(k);
      if (values[k].length !== target.length) throw new ValidationError(`parameter ${name} needs ${target.length} values, got ${values[k].length}`);
      target.set(values[k]);
    });
  }

  /** A data set as the graphs take it: `inputs` (rows × columns) and `targets` (rows × outputs), fed to every run without copying. */
  rowSet(inputs: Float64Array | Float32Array, targets: Float32Array): RowSet {
    const { inputWidth, outputWidth } = this.graphs;
    const rows = inputs.length / inputWidth;
    if (!Number.isInteger(rows) || targets.length !== rows * outputWidth) throw new ValidationError(`the rows (${inputs.length} values) and targets (${targets.length} values) do not make whole rows of ${inputWidth} inputs and ${outputWidth} outputs`);
    const type = inputs instanceof Float32Array ? 'float' : 'double';
    if (type !== this.graphs.rows) throw new ValidationError(`the graph takes ${this.graphs.rows} rows, got ${type}`);
    const data = inputs instanceof Float32Array ? new ort.Tensor('float32', inputs, [rows, inputWidth]) : new ort.Tensor('float64', inputs, [rows, inputWidth]);
    return { data, targets: new ort.Tensor('float32', targets, [rows, outputWidth]), rows };
  }

  private feeds(set: RowSet, indices: Int32Array): Record<string, ort.Tensor> {
    (this.scale.data as Float32Array)[0] = 1 / indices.length;
    return {
      data: set.data,
      targets: set.targets,
      indices: new ort.Tensor('int32', indices, [indices.length]),
      scale: this.scale,
      ...this.scalingFeeds,
      ...this.parameterFeeds,
    };
  }

  /** One step on the rows `indices` of `set`; the batch's loss before the step. */
  async step(set: RowSet, indices: Int32Array): Promise<number> {
    if (this.ones.length < indices.length) this.ones = new Float32Array(indices.length).fill(1);
    const feeds = { ...this.feeds(set, indices), ones: new ort.Tensor('float32', this.ones.subarray(0, indices.length), [indices.length]), ...this.adversaryFeeds(indices.length), ...this.corruptionFeeds(indices.length) };
    this.spent.add(await nativeCall(() => this.sessions.gradients.run(feeds, this.fetches)));
    // The term's value as tfjs adds it: a float32 sum.
    const loss = Math.fround((this.lossOutput.data as Float32Array)[0] + this.penaltyValue(true));
    if (this.optimizer === 'adam') this.kernel.step();
    else this.sgdStep();
    return loss;
  }

  /**
   * DP-SGD's step (Abadi et al., CCS 2016, Algorithm 1) on the sampled rows `indices` of `set`, for
   * a stepper of a private gradient graph (dense-step-graph.ts, `privateGradientGraph`): the
   * clipped sums written into the gradients (zeros when no row was sampled), then each coordinate
   * plus N(0, noiseStd²) drawn from `privacy.rng` and divided by the expected batch — as the tfjs
   * engine's DP-SGD does, in float32 — plus l2 · w on the penalised weights, then the optimiser's
   * step. The batch's summed loss and how many of its rows were clipped come back.
   */
  async privateStep(set: RowSet, indices: Int32Array, privacy: { clip: number; noiseStd: number; expectedBatch: number; l2: number; rng: Rng }): Promise<{ loss: number; clipped: number }> {
    let [loss, clipped] = [0, 0];
    if (indices.length > 0) {
      const feeds = { data: set.data, targets: set.targets, indices: new ort.Tensor('int32', indices, [indices.length]), clip: scalar(privacy.clip), ...this.parameterFeeds };
      this.spent.add(await nativeCall(() => this.sessions.gradients.run(feeds, { ...this.fetches, clipped: this.clippedOutput })));
      [loss, clipped] = [(this.lossOutput.data as Float32Array)[0], (this.clippedOutput.data as Float32Array)[0]];
    } else this.graphs.shapes.forEach((_, k) => this.kernel.gradient(k).fill(0));
    const f = Math.fround;
    const [std, batch, l2] = [f(privacy.noiseStd), f(privacy.expectedBatch), f(privacy.l2)];
    this.graphs.shapes.forEach((_, k) => {
      const [gradient, weights] = [this.kernel.gradient(k), this.kernel.values(k)];
      if (this.noise.length < gradient.length) this.noise = new Float64Array(gradient.length);
      const noise = this.noise.subarray(0, gradient.length);
      privacy.rng.fillNormal(noise);
      const penalised = l2 > 0 && this.graphs.penalized.includes(k);
      for (let i = 0; i < gradient.length; i++) {
        const noisy = f(f(gradient[i] + f(noise[i] * std)) / batch);
        gradient[i] = penalised ? f(noisy + f(l2 * weights[i])) : noisy;
      }
    });
    if (this.optimizer === 'adam') this.kernel.step();
    else this.sgdStep();
    return { loss, clipped };
  }

  /** A batch's random starts and the adversary's box, for `rows` rows (none without an adversary). */
  private adversaryFeeds(rows: number): Record<string, ort.Tensor> {
    const adversary = this.adversary;
    if (!adversary) return {};
    const width = this.graphs.inputWidth;
    if (adversary.noise.length < rows * width) adversary.noise = new Float32Array(rows * width);
    const noise = adversary.noise.subarray(0, rows * width);
    adversary.rng.fillBetween(noise, -1, 1);
    return { ...adversary.feeds, noise: new ort.Tensor('float32', noise, [rows, width]) };
  }

  /** A batch's corruption draws and level, for `rows` rows (none without a corruption). */
  private corruptionFeeds(rows: number): Record<string, ort.Tensor> {
    const corruption = this.corruption;
    if (!corruption) return {};
    const count = rows * this.graphs.inputWidth;
    if (corruption.draws.length < count) corruption.draws = new Float32Array(count);
    const draws = corruption.draws.subarray(0, count);
    if (corruption.kind === 'gaussian') {
      if (corruption.normals.length < count) corruption.normals = new Float64Array(count);
      const normals = corruption.normals.subarray(0, count);
      corruption.rng.fillNormal(normals);
      draws.set(normals);
    } else corruption.rng.fillBetween(draws, 0, 1);
    return { corruption: new ort.Tensor('float32', draws, [rows, this.graphs.inputWidth]), corruptionLevel: corruption.level };
  }

  /**
   * At the end of a training: releases the output copies not yet released and hands the
   * parameters' memory to the next training on this thread (take `parameters()` first: neither
   * the stepper nor its tensors may be used afterwards).
   */
  release(): void {
    this.spent.release();
    this.kernel.release();
  }

  /** w ← w − η·g in float32, as tfjs's SGD rounds it. */
  private sgdStep(): void {
    const f = Math.fround;
    const rate = f(this.learningRate);
    this.graphs.shapes.forEach((_, k) => {
      const [w, g] = [this.kernel.values(k), this.kernel.gradient(k)];
      for (let i = 0; i < w.length; i++) w[i] = f(w[i] - f(g[i] * rate));
    });
  }

  /** The loss (with the L2 term) on the rows `indices` of `set`. */
  async loss(set: RowSet, indices: Int32Array): Promise<number> {
    const feeds = this.feeds(set, indices);
    const session = await this.sessions.loss();
    const output = await nativeCall(() => session.run(feeds, ['loss']));
    return Math.fround((output.loss.data as Float32Array)[0] + this.penaltyValue(false));
  }
}

/**
 * The runs the native engine trains: class labels (or distributions) with a softmax, and
 * reconstruction with sigmoid outputs, its inputs corrupted or not (a denoising autoencoder); a
 * weight penalty only where computed on the values; adversarial training too (the graphs make each
 * batch's PGD examples: adversarial-graph.ts), for class labels.
 */
export function nativeEngineFits(objective: NetworkObjective, options: LoopOptions): boolean {
  if (options.penalty && options.penalty.values === undefined) return false;
  if (objective.kind === 'reconstruction') return !options.adversary;
  return !options.corruption;
}

/**
 * The rows and indices of each batch: the whole data set and a view of the epoch's order (row
 * numbers below 2^31 read the same as int32), or — for rows in shared memory, which
 * onnxruntime-node does not take — the batch's rows copied out and indices 0…size−1. With `only`
 * (the training rows of `features`, in order: the order's numbers index it, as do the targets'
 * rows), the data set stays whole: the targets are placed at their rows' own places and each
 * batch's indices mapped through `only` (or, in shared memory, the rows copied out through it).
 */
function batchFeeder(stepper: NativeStepper, features: Matrix, targets: Float32Array, batchSize: number, prepared?: Float32Array, only?: Uint32Array): (order: Uint32Array, start: number, size: number) => [RowSet, Int32Array] {
  const shared = features.data.buffer instanceof SharedArrayBuffer;
  if (prepared || (!only && !shared)) {
    const rows = stepper.rowSet(prepared ?? features.data, targets);
    return (order, start, size) => [rows, new Int32Array(order.buffer, order.byteOffset + 4 * start, size)];
  }
  const width = targets.length / Math.max(1, only?.length ?? features.rows);
  if (only && !shared) {
    const placed = new Float32Array(features.rows * width);
    only.forEach((row, i) => placed.set(targets.subarray(i * width, (i + 1) * width), row * width));
    const rows = stepper.rowSet(features.data, placed);
    const indices = new Int32Array(batchSize);
    return (order, start, size) => {
      for (let k = 0; k < size; k++) indices[k] = only[order[start + k]];
      return [rows, indices.subarray(0, size)];
    };
  }
  const [batchRows, batchTargets] = [new Float64Array(batchSize * features.cols), new Float32Array(batchSize * width)];
  const identity = Int32Array.from({ length: batchSize }, (_, k) => k);
  const mapped = only && new Uint32Array(batchSize);
  return (order, start, size) => {
    if (mapped) for (let k = 0; k < size; k++) mapped[k] = only![order[start + k]];
    return [
      stepper.rowSet(gatherRows(features.data, features.cols, mapped ?? order, mapped ? 0 : start, size, batchRows), gatherRows(targets, width, order, start, size, batchTargets)),
      identity.subarray(0, size),
    ];
  };
}

/**
 * Trains from `initial` parameters (in `graphs(rows).shapes` order) through the shared epoch
 * driver, on rows scaled by `scaling` where given (training and validation rows arrive unscaled);
 * the trained parameters and the history. `graphs` are asked for float32 rows — made once, for
 * runs of `roundOnceFromPasses` epochs or more — or float64 ones cast batch by batch. With `only`,
 * the rows trained on are those of `features` (in that order; the objective's rows are theirs),
 * read where they lie: no copy of them in float64.
 */
export async function trainNative(
  features: Matrix,
  objective: NetworkObjective,
  graphs: (rows: 'double' | 'float', scaledInputs: boolean) => StepGraphs,
  initial: Float32Array[],
  options: LoopOptions,
  { threads = 1, scaling, roundOnceFromPasses = ROUND_ONCE_FROM_PASSES, only }: { threads?: number; scaling?: ColumnScaler; roundOnceFromPasses?: number; only?: Uint32Array } = {},
): Promise<LoopResult & { parameters: Float32Array[] }> {
  // A run of many passes rounds (and scales) its rows to float32 once; a short one lets the graph do it each batch.
  const roundOnce = options.epochs >= roundOnceFromPasses;
  const scaledInGraph = !roundOnce && scaling !== undefined;
  const stepper = await NativeStepper.create(graphs(roundOnce ? 'float' : 'double', scaledInGraph), options.optimizer, options.initial ?? initial, options.learningRate, threads, scaledInGraph ? scaling : undefined);
  if (options.penalty) stepper.penalise(options.penalty);
  if (options.adversary) stepper.trainAdversarially(options.adversary);
  if (options.corruption) stepper.corruptInputs(options.corruption, options.rng);
  const training = roundOnce ? float32Rows(features, scaling, only) : undefined;
  try {
    const batches = batchFeeder(stepper, features, targetRows(objective), options.batchSize, training?.rows, only);
    const held = options.validation;
    const validation = held ? batchFeeder(stepper, held.features, targetRows(held.objective), held.features.rows, roundOnce ? float32Rows(held.features, scaling).rows : undefined) : undefined;
    const everyValidationRow = Uint32Array.from({ length: held?.features.rows ?? 0 }, (_, k) => k);
    const history = await runEpochs(only?.length ?? features.rows, options, {
      step: (order, start, size) => stepper.step(...batches(order, start, size)),
      validationLoss: validation ? () => stepper.loss(...validation(everyValidationRow, 0, everyValidationRow.length)) : undefined,
      snapshot: () => stepper.parameters(),
      restore: (values) => stepper.setParameters(values),
    });
    return { ...history, parameters: stepper.parameters() };
  } finally {
    training?.release();
    stepper.release();
  }
}
