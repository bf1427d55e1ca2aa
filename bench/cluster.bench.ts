/**
 * LiRA's shadow models on `threatlab worker` processes through BullMQ on Redis (issue 19): LiRA
 * online (Carlini et al. 2022) end to end with its shadows trained by 1 and by 2 worker processes
 * (one thread each), beside the same run on this process's two worker threads, all on the same
 * target with the same seed (the AUCs must be equal). And the queue's own cost: jobs per second
 * through BullMQ on loopback with a worker that does nothing, and with a `threatlab worker` that
 * trains a tiny model — the overhead per job a projection to N machines adds to each shadow.
 *
 *   npx tsx bench/cluster.bench.ts [--only=fashion|adult] [--shadows=64] [--setups=0,1,2] [--warm-first] [--runs=3] [--json]
 */

import { Queue, QueueEvents, Worker } from 'bullmq';
import { lira } from '../src/attacks/membership/lira.ts';
import { membershipSplit } from '../src/attacks/membership/membership-split.ts';
import { runMembership } from '../src/attacks/membership/runner.ts';
import { ClusterTrainingService } from '../src/cluster/cluster-training.ts';
import { connectionOptions } from '../src/cluster/redis.ts';
import { subsetRows, type ClassificationDataset } from '../src/data/dataset.ts';
import { makeClassification } from '../src/data/datasets/synthetic.ts';
import { findDataset, isAvailable, loadDataset } from '../src/data/datasets/registry.ts';
import { LocalOracle } from '../src/oracle/local-oracle.ts';
import { TrainingPool, type TrainerSpec, type TrainingService } from '../src/parallel/training-pool.ts';
import { redisServerInstalled, startTestWorker, TestRedis, type TestWorker } from '../src/testing/redis-server.ts';

const json = process.argv.includes('--json');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice(7) ?? 'fashion';
/** `--setups=0,1,2`: which of the three ways to train the shadows to run (all by default). */
const setupsWanted = process.argv.find((arg) => arg.startsWith('--setups='))?.slice(9).split(',');
const shadows = Number(process.argv.find((arg) => arg.startsWith('--shadows='))?.slice(10) ?? 64);
/** `--warm-first`: each setup runs LiRA once, then the timed run (a cluster that has run before: data sets kept, code compiled). */
const warmFirst = process.argv.includes('--warm-first');
/** `--runs=N`: timed runs per setup (after the first with --warm-first); each figure is their median — a sub-second run on this shared machine moves by a third from one run to the next. */
const timedRuns = Math.max(1, Number(process.argv.find((arg) => arg.startsWith('--runs='))?.slice(7) ?? 1));
const median = (values: number[]): number => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const log = (text: string): void => {
  if (!json) process.stderr.write(`${text}\n`);
};

const CASES: Record<string, { dataset: string; trainer: TrainerSpec; members: number; population: number }> = {
  adult: { dataset: 'adult-income', trainer: { kind: 'mlp', params: { hidden: '64', epochs: 30, batchSize: 128, validationFraction: 0, standardize: true } }, members: 2500, population: 10000 },
  fashion: { dataset: 'fashion-mnist', trainer: { kind: 'mlp', params: { hidden: '128', epochs: 20, batchSize: 128, validationFraction: 0 } }, members: 5000, population: 20000 },
};

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, (performance.now() - started) / 1000];
}

if (!redisServerInstalled()) {
  process.stderr.write('redis-server is not installed (apt-get install redis-server): nothing to measure\n');
  process.exit(1);
}
const redis = await TestRedis.start();
let workers: TestWorker[] = [];
const stopWorkers = async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  workers = [];
};

// The queue alone: a worker in this process that returns at once.
async function bareQueue(jobs: number): Promise<number> {
  const connection = connectionOptions(redis.url);
  const queue = new Queue('bench', { connection, prefix: 'bench' });
  const events = new QueueEvents('bench', { connection, prefix: 'bench' });
  const worker = new Worker('bench', async () => ({ ok: true }), { connection, prefix: 'bench', concurrency: 8 });
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  let done = 0;
  const finished = new Promise<void>((resolve) => events.on('completed', () => ++done === jobs && resolve()));
  const [, elapsed] = await seconds(async () => {
    await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
    await finished;
  });
  await Promise.all([worker.close(), events.close(), queue.close()]);
  return jobs / elapsed;
}

// Our jobs: a tiny logistic model per job (20 rows of 20 features) through one `threatlab worker`.
async function tinyTrainingJobs(jobs: number): Promise<{ perSecond: number; localPerSecond: number }> {
  workers = [await startTestWorker(redis.url)];
  const data = makeClassification(400, { classes: 2, seed: 1 });
  const sets = Array.from({ length: jobs }, (_, i) => subsetRows(data, Array.from({ length: 20 }, (_, k) => (i * 7 + k * 13) % 400)));
  const spec = { kind: 'logistic', params: {} };
  const cluster = await ClusterTrainingService.connect(redis.url);
  await cluster.train(spec, sets[0], 0); // the worker's threads have started
  const [, elapsed] = await seconds(() => Promise.all(sets.map((set, i) => cluster.train(spec, set, i))));
  await cluster.close();
  await stopWorkers();
  const local = new TrainingPool(1);
  await local.train(spec, sets[0], 0);
  const [, localElapsed] = await seconds(() => Promise.all(sets.map((set, i) => local.train(spec, set, i))));
  await local.close();
  return { perSecond: jobs / elapsed, localPerSecond: jobs / localElapsed };
}

const bare = await bareQueue(2000);
log(`BullMQ on loopback, a worker that does nothing: ${bare.toFixed(0)} jobs/s`);
const tiny = await tinyTrainingJobs(200);
log(`tiny training jobs through one threatlab worker: ${tiny.perSecond.toFixed(0)} jobs/s (one local worker thread: ${tiny.localPerSecond.toFixed(0)}/s)`);

const bench = CASES[only];
const runs: { where: string; seconds: number; training: number; auc: number; perShadow: number; rssMiB: number; coldTraining?: number; aucsEqual: boolean }[] = [];
if (!isAvailable(findDataset(bench.dataset))) {
  log(`${bench.dataset}: not found, LiRA skipped`);
} else {
  const data = loadDataset(bench.dataset) as ClassificationDataset;
  const split = membershipSplit(data, { members: bench.members, population: bench.population }, 42);
  const problem = { candidates: split.candidates, population: split.population, trainer: bench.trainer, trainSize: bench.members };
  const target = await new TrainingPool(0).train(bench.trainer, split.members, 42);
  const attack = (pool: TrainingService) => runMembership(lira, new LocalOracle(target), problem, { params: { shadows, mode: 'online' }, seed: 42, pool, members: split.truth });
  const setups: [string, () => Promise<TrainingService>][] = [
    ['2 worker threads of this process', async () => {
      const pool = new TrainingPool(2).start();
      await pool.ready();
      return pool;
    }],
    ['1 threatlab worker process', async () => {
      workers = [await startTestWorker(redis.url)];
      return ClusterTrainingService.connect(redis.url);
    }],
    ['2 threatlab worker processes', async () => {
      workers = await Promise.all([startTestWorker(redis.url), startTestWorker(redis.url)]);
      return ClusterTrainingService.connect(redis.url);
    }],
  ];
  /** One LiRA run on `pool`: end to end, and the shadow phase apart — from the first model asked for to the last answers back (each shadow is trained and run on the candidates where it is trained). */
  const timedAttack = async (pool: TrainingService) => {
    let first: number | undefined;
    let last = 0;
    const stamp = <T>(result: T): T => ((last = performance.now()), result);
    const timed: TrainingService = {
      size: pool.size,
      train: (spec, data, seed) => {
        first ??= performance.now();
        return pool.train(spec, data, seed).then(stamp);
      },
      trainAndPredict: (spec, data, seed, on) => {
        first ??= performance.now();
        return pool.trainAndPredict(spec, data, seed, on).then(stamp);
      },
      close: () => pool.close(),
    };
    const [record, elapsed] = await seconds(() => attack(timed));
    return { auc: record.outcome!.metrics!.auc, elapsed, training: (last - first!) / 1000 };
  };
  for (const [where, open] of setups.filter((_, i) => !setupsWanted || setupsWanted.includes(String(i)))) {
    const pool = await open(); // worker start-up (tsx, wasm) is not counted: a cluster's workers stay up
    // With --warm-first, a first run (its data sets fetched and kept, its code compiled in every
    // worker) and the second timed: the scaling of a cluster that has run before.
    const cold = warmFirst ? await timedAttack(pool) : undefined;
    const timed = [];
    for (let k = 0; k < timedRuns; k++) timed.push(await timedAttack(pool));
    await pool.close();
    await stopWorkers();
    const auc = timed[0].auc;
    const elapsed = median(timed.map((run) => run.elapsed));
    const training = median(timed.map((run) => run.training));
    const rssMiB = process.memoryUsage().rss / 1024 ** 2;
    runs.push({ where, seconds: elapsed, training, auc, perShadow: training / shadows, rssMiB, coldTraining: cold?.training, aucsEqual: timed.every((run) => run.auc === auc) && (!cold || cold.auc === auc) });
    const before = cold ? ` (the first run: shadows in ${cold.training.toFixed(1)} s)` : '';
    const each = timedRuns > 1 ? ` (the median of ${timedRuns} runs: ${timed.map((run) => run.training.toFixed(2)).join(', ')} s)` : '';
    log(`LiRA ${shadows} shadows, ${only}, ${where}: ${elapsed.toFixed(1)} s end to end, shadows trained in ${training.toFixed(1)} s${each}${before}, AUC ${auc.toFixed(4)}, client RSS ${rssMiB.toFixed(0)} MiB`);
  }
}
await redis.stop();

const one = runs.find((run) => run.where.startsWith('1 threatlab'));
const two = runs.find((run) => run.where.startsWith('2 threatlab'));
const speedup = one && two ? one.training / two.training : undefined;
const coldSpeedup = one?.coldTraining && two?.coldTraining ? one.coldTraining / two.coldTraining : undefined;
const endToEndSpeedup = one && two ? one.seconds / two.seconds : undefined;
const equal = runs.every((run) => run.auc === runs[0].auc && run.aucsEqual);
// Projection: the shadows split over N machines of c worker threads, plus the queue's cost per job.
// The client's own part (queries and scoring) stays on the client whatever the number of machines.
const perShadow = one ? one.training / shadows : undefined;
const clientSeconds = one ? one.seconds - one.training : 0;
const projection = perShadow === undefined ? [] : [1, 2, 4, 8, 16].map((machines) => ({ machines, seconds: Math.ceil(shadows / (machines * 2)) * perShadow + shadows / tiny.perSecond + clientSeconds }));
const result = { case: only, shadows, warmFirst, timedRuns, bareJobsPerSecond: bare, trainingJobsPerSecond: tiny.perSecond, localTrainingJobsPerSecond: tiny.localPerSecond, runs, speedup, coldSpeedup, endToEndSpeedup, clientSeconds, aucEqual: equal, projection };
if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  log(`2 processes against 1: ${speedup?.toFixed(2)}× for the shadows (goal ≥ 1.8×), ${endToEndSpeedup?.toFixed(2)}× end to end (the client keeps the target's queries and the Gaussian fits); AUC equal in every run: ${equal}`);
  for (const row of projection) log(`projected, ${row.machines} machine(s) of 2 cores: ${row.seconds < 10 ? row.seconds.toPrecision(2) : row.seconds.toFixed(0)} s`);
}
process.exit(0);
