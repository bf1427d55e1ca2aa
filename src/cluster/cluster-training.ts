/**
 * Training on `threatlab worker` processes through a BullMQ queue on Redis: the client side of
 * `--redis`. Each model is one job that names its data sets by content hash and its rows by index
 * (a LiRA run sends its population once, then 64 lists of indices). Results are the models a
 * worker thread here would train, seed for seed: the same trainer on the same rows, values bit for
 * bit. BullMQ moves a job whose worker died back to the queue (its lock lapses) and retries a
 * failed one; a trainer's own error (a bad parameter) fails at once, not three times.
 */

import { originOfRows, rowOrigin, type ClassificationDataset } from '../data/dataset.ts';
import type { Matrix } from '../math/matrix.ts';
import { ThreatlabError } from '../errors.ts';
import { modelFromJson } from '../models/registry.ts';
import type { Classifier } from '../models/types.ts';
import type { TrainerSpec, TrainingService } from '../parallel/training-service.ts';
import { datasetParts, isRowSelection, trainingDataset, trainingShape, type TrainingData } from '../parallel/training-set.ts';
import { JobClient, type ClusterStats } from './job-client.ts';
import { TRAINING_QUEUE } from './redis.ts';
import { encodeRows, RESULT_TTL_S, unpackMatrices, type RowsOf, type TrainJob, type TrainResult } from './training-jobs.ts';

export type { ClusterStats } from './job-client.ts';

/** A `TrainingService` whose models are trained by `threatlab worker` processes. */
export class ClusterTrainingService implements TrainingService {
  /** Jobs this client keeps in flight: the queue decides where they run. */
  readonly size: number;
  private readonly jobs: JobClient<TrainJob, TrainResult>;
  /** The signal handler, when this service ends the process on SIGINT/SIGTERM. */
  private readonly onSignal?: (signal: NodeJS.Signals) => void;

  private constructor(jobs: JobClient<TrainJob, TrainResult>, size: number, exitOnSignal: boolean) {
    this.jobs = jobs;
    this.size = size;
    if (exitOnSignal) {
      // A command's Ctrl-C (or SIGTERM) cancels its jobs on the workers before the process ends:
      // nobody would hear their results.
      this.onSignal = (signal) => void this.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
  }

  /**
   * Connects to the queue at `url` (fails at once with the fix when no Redis answers).
   * `exitOnSignal`: a CLI command's service, which cancels its jobs and exits on SIGINT/SIGTERM.
   */
  static async connect(url: string, options: { size?: number; exitOnSignal?: boolean } = {}): Promise<ClusterTrainingService> {
    return new ClusterTrainingService(await JobClient.open<TrainJob, TrainResult>(url, TRAINING_QUEUE), options.size ?? 2, options.exitOnSignal ?? false);
  }

  get url(): string {
    return this.jobs.url;
  }

  async train(spec: TrainerSpec, data: TrainingData, seed: number): Promise<Classifier> {
    const { modelKey, worker } = await this.run({ spec, seed, parts: await this.partsOf(data), count: trainingShape(data).rows, client: this.jobs.client });
    if (!modelKey) throw new ThreatlabError('internal', `worker ${worker} sent no model where this client looks for it; update it to this client's version`);
    const text = (await this.result(modelKey, 'model', worker)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ThreatlabError('internal', `worker ${worker} sent a model that is not JSON (${(error as Error).message}); update it to this client's version`);
    }
    return modelFromJson(json, `model from worker ${worker}`) as Classifier;
  }

  async trainAndPredict(spec: TrainerSpec, data: TrainingData, seed: number, on: readonly ClassificationDataset[]): Promise<Matrix[]> {
    const predict = await Promise.all(on.map((rows) => this.partsOf(rows)));
    const { answers, worker } = await this.run({ spec, seed, parts: await this.partsOf(data), count: trainingShape(data).rows, client: this.jobs.client, predict });
    if (!answers) throw new ThreatlabError('internal', `worker ${worker} sent no answers where this client looks for them; update it to this client's version`);
    const decoded = unpackMatrices(await this.result(answers.key, 'answers', worker), answers.shapes);
    if (!decoded || decoded.length !== on.length || decoded.some((matrix, i) => matrix.rows !== on[i].features.rows)) {
      throw new ThreatlabError('internal', `worker ${worker} sent ${answers.shapes.length} answer set(s) for ${on.length}, or of the wrong size; update it to this client's version`);
    }
    return decoded;
  }

  /** The bytes of a job's result at `key`, taken (deleted) from Redis. */
  private async result(key: string, what: string, worker: string): Promise<Buffer> {
    const bytes = await this.jobs.take(key);
    if (!bytes) throw new ThreatlabError('unavailable', `nothing is left at ${key} of worker ${worker}'s ${what} (kept ${RESULT_TTL_S / 3600} h, or lost by a Redis without an append-only file); run again`);
    return bytes;
  }

  private async run(job: TrainJob): Promise<TrainResult> {
    const result = await this.jobs.submit('train', job);
    if (result.backend !== 'wasm') throw new ThreatlabError('internal', `worker ${result.worker} trained on the ${result.backend} backend, not wasm; update it`);
    return result;
  }

  /** What this client's jobs cost and where they ran so far. */
  statistics(): ClusterStats {
    return this.jobs.statistics();
  }

  /** Withdraws this client's jobs that have not started, and disconnects. */
  close(): Promise<void> {
    if (this.onSignal) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
    }
    return this.jobs.close();
  }

  /** The data sets `data` is made of, sent once each, and its rows of them (a row selection is never made here). */
  private async partsOf(data: TrainingData): Promise<RowsOf[]> {
    const origin = isRowSelection(data) ? originOfRows(datasetParts(data)) : rowOrigin(data);
    if (!origin) return [{ dataset: await this.jobs.blobs.put(trainingDataset(data)) }];
    return Promise.all(origin.parts.map(async (part) => ({ dataset: await this.jobs.blobs.put(part.source), rows: encodeRows(part.indices) })));
  }
}
