/**
 * LiRA (Carlini et al. 2022) with 64 shadow models, online, on an Adult MLP and a Fashion-MNIST
 * MLP: seconds end to end (shadow training on two worker threads + queries + scoring), with
 * AUC and TPR at 0.1% FPR. Goal: under 5 minutes each on this 2-core machine. Beside it, from
 * the same run: one shadow model trained in this thread and by PyTorch (1 thread, same
 * architecture, epochs and batch), and the worker pool's speed-up (1 vs 2 workers: 16 shadows on a
 * warm pool after an untimed round, the median of five rounds timed in turns (pool-rounds.ts); 4 on
 * a new one with its start-up).
 *
 *   npx tsx bench/membership.bench.ts [--only=adult|fashion|adult,fashion] [--shadows=64] [--json]
 */

import { lira } from '../src/attacks/membership/lira.ts';
import { membershipSplit } from '../src/attacks/membership/membership-split.ts';
import { runMembership } from '../src/attacks/membership/runner.ts';
import type { ClassificationDataset } from '../src/data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../src/data/datasets/registry.ts';
import { LocalOracle } from '../src/oracle/local-oracle.ts';
import { TrainingPool, type TrainerSpec } from '../src/parallel/training-pool.ts';
import { fasterTorchPeer } from './peers.ts';
import { describePoolScaling, timePoolsInTurns } from './pool-rounds.ts';

const json = process.argv.includes('--json');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice(7).split(',');
/** Shadows per warm-pool timing of the speed-up. */
const WARM_SHADOWS = 16;
const shadows = Number(process.argv.find((arg) => arg.startsWith('--shadows='))?.slice(10) ?? 64);
const log = (text: string): void => {
  if (!json) process.stderr.write(`${text}\n`);
};

interface Case {
  name: string;
  dataset: string;
  trainer: TrainerSpec;
  members: number;
  population: number;
}

const CASES: Case[] = [
  { name: 'adult', dataset: 'adult-income', trainer: { kind: 'mlp', params: { hidden: '64', epochs: 30, batchSize: 128, validationFraction: 0, standardize: true } }, members: 2500, population: 10000 },
  { name: 'fashion', dataset: 'fashion-mnist', trainer: { kind: 'mlp', params: { hidden: '128', epochs: 20, batchSize: 128, validationFraction: 0 } }, members: 5000, population: 20000 },
];

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await work();
  return [value, (performance.now() - started) / 1000];
}

const results = [];
for (const bench of CASES) {
  if (only && !only.includes(bench.name)) continue;
  if (!isAvailable(findDataset(bench.dataset))) {
    log(`${bench.dataset}: not found, skipped`);
    continue;
  }
  const data = loadDataset(bench.dataset) as ClassificationDataset;
  const split = membershipSplit(data, { members: bench.members, population: bench.population }, 42);
  const problem = { candidates: split.candidates, population: split.population, trainer: bench.trainer, trainSize: bench.members };
  const inThread = new TrainingPool(0);
  const [target, oneShadow] = await seconds(() => inThread.train(bench.trainer, split.members, 42));
  // Warm: the median of three more (the first pays loading onnxruntime and compiling our code;
  // PyTorch's figure starts after its import and model set-up).
  const warmRuns: number[] = [];
  for (const seed of [43, 44, 45]) warmRuns.push((await seconds(() => inThread.train(bench.trainer, split.members, seed)))[1]);
  const warmShadow = warmRuns.sort((a, b) => a - b)[1];
  log(`${bench.name}: one shadow in this thread ${oneShadow.toFixed(2)} s first, ${warmShadow.toFixed(2)} s warm`);
  const params = bench.trainer.params as { hidden: string; epochs: number; batchSize: number };
  const peer = fasterTorchPeer(split.members, split.nonMembers, { hidden: params.hidden.split(',').map(Number), epochs: params.epochs, batchSize: params.batchSize });
  // Scaling with start-up (new pools, 4 shadows each), then of warm pools (start-up and V8's
  // compiling paid once per process: pool-rounds.ts), timed in turns.
  const cold: Record<number, number> = {};
  for (const size of [1, 2]) {
    cold[size] = (await seconds(async () => {
      const pool = new TrainingPool(size);
      await Promise.all([1, 2, 3, 4].map((seed) => pool.train(bench.trainer, split.members, seed)));
      await pool.close();
    }))[1];
  }
  const pools = { 1: new TrainingPool(1), 2: new TrainingPool(2) };
  const scaling = await timePoolsInTurns(pools, (pool) => Promise.all(Array.from({ length: WARM_SHADOWS }, (_, i) => pool.train(bench.trainer, split.members, i + 1))));
  await Promise.all(Object.values(pools).map((pool) => pool.close()));
  for (const round of scaling.rounds) log(`${bench.name}: ${WARM_SHADOWS} shadows on 1 / 2 warm workers: ${round.one.toFixed(2)} / ${round.two.toFixed(2)} s (${(round.one / round.two).toFixed(2)}×)`);
  log(`${bench.name}: 4 shadows on new pools, start-up included: 1 worker ${cold[1].toFixed(1)} s, 2 workers ${cold[2].toFixed(1)} s`);
  const pool = new TrainingPool(2);
  const [record, total] = await seconds(() => runMembership(lira, new LocalOracle(target), problem, { params: { shadows, mode: 'online' }, seed: 42, pool, members: split.truth }));
  await pool.close();
  const metrics = record.outcome!.metrics!;
  const row = {
    case: bench.name,
    dataset: bench.dataset,
    model: `MLP ${params.hidden}, ${params.epochs} epochs`,
    members: bench.members,
    shadows,
    seconds: total,
    goalSeconds: 300,
    auc: metrics.auc,
    tprAt01: metrics.tprAtFpr[1].tpr,
    tprAt1: metrics.tprAtFpr[0].tpr,
    oneShadowSeconds: oneShadow,
    warmShadowSeconds: warmShadow,
    peerOneShadowSeconds: typeof peer === 'string' ? peer : peer.fitSeconds,
    peer: typeof peer === 'string' ? peer : peer.version,
    /** The median of five rounds' ratios (1 worker's time over 2 workers', same round), after an untimed round each. */
    poolSpeedup: scaling.speedup,
    poolScaling: scaling,
    coldPoolSpeedup: cold[1] / cold[2],
  };
  results.push(row);
  log(`${bench.name}: LiRA ${shadows} shadows ${total.toFixed(1)} s (goal < 300 s), AUC ${metrics.auc.toFixed(3)}, TPR@0.1% ${metrics.tprAtFpr[1].tpr.toFixed(3)}; one shadow ${oneShadow.toFixed(2)} s first, ${warmShadow.toFixed(2)} s warm vs ${typeof peer === 'string' ? peer : `${peer.fitSeconds.toFixed(2)} s ${peer.version}`}; pool speed-up ${describePoolScaling(scaling)} warm, ${row.coldPoolSpeedup.toFixed(2)}× with start-up`);
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'membership', results })}\n`);
else console.table(results.map(({ peer: _peer, ...row }) => row));
