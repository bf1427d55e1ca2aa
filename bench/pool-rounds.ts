/**
 * A pool of two workers against one on the same work, both kept warm and timed in turns, for the
 * shadow-model benches (membership, property).
 *
 * Each pool first runs one whole round untimed: a new worker's first fits run slower while V8
 * compiles its code (a 2,500-row Adult MLP shadow, fit by fit in one new worker: 160, 93, 69, 55,
 * 54… ms; a Fashion-MNIST one 594, 554, 466, 462… ms), and one warm-up fit per worker left the
 * second to fourth in the first timed round. Then rounds in turns — 1, 2, then 2, 1, … — each
 * round's ratio taken, and the median of five: this machine's speed drifts 15–30% over minutes,
 * and three rounds of one process read 1.55–2.07× for the same code.
 *
 * Beside the ratio, the pools' own account (`TrainingPool.work`): how long a fit took by its
 * worker's clock on one worker and beside another, and how busy the two workers were kept — the
 * ratio is (a fit's time alone ÷ beside the other) × 2 × (the two workers' busy share), so a
 * shortfall shows where it comes from: the machine (shared caches and memory) or the pool.
 */

import type { TrainingPool } from '../src/parallel/training-pool.ts';

export interface PoolScaling {
  /** The median round's ratio: 1 worker's seconds over 2 workers'. */
  speedup: number;
  /** Every round's ratio, in the order run. */
  speedups: number[];
  /** Each round's seconds on 1 and on 2 workers, in the order run. */
  rounds: { one: number; two: number }[];
  /** Seconds a fit took by its worker's clock, over every timed round: on the lone worker, and on the two. */
  fitSeconds: { one: number; two: number };
  /** The share of the timed rounds' wall time the two workers spent fitting (1: never idle). */
  busy: number;
}

/** Times `round` on `pools` as above: one untimed round each, then `count` rounds in turns. */
export async function timePoolsInTurns(pools: { 1: TrainingPool; 2: TrainingPool }, round: (pool: TrainingPool) => Promise<unknown>, count = 5): Promise<PoolScaling> {
  for (const pool of [pools[1], pools[2]]) await round(pool);
  const before = { 1: pools[1].work(), 2: pools[2].work() };
  const rounds: { one: number; two: number }[] = [];
  for (let k = 0; k < count; k++) {
    const seconds: Record<number, number> = {};
    for (const size of k % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
      const started = performance.now();
      await round(pools[size]);
      seconds[size] = (performance.now() - started) / 1000;
    }
    rounds.push({ one: seconds[1], two: seconds[2] });
  }
  const speedups = rounds.map((r) => r.one / r.two);
  const perFit = (size: 1 | 2) => {
    const now = pools[size].work();
    return { fits: now.fits - before[size].fits, seconds: now.seconds - before[size].seconds };
  };
  const [one, two] = [perFit(1), perFit(2)];
  const twoWall = rounds.reduce((sum, r) => sum + r.two, 0);
  return {
    speedup: [...speedups].sort((a, b) => a - b)[Math.floor(count / 2)],
    speedups,
    rounds,
    fitSeconds: { one: one.seconds / one.fits, two: two.seconds / two.fits },
    busy: two.seconds / (2 * twoWall),
  };
}

/** "1.87× (rounds 1.79–1.91; a fit beside the other worker 1.03× its time alone, the two workers busy 97%)". */
export function describePoolScaling(scaling: PoolScaling): string {
  const low = Math.min(...scaling.speedups);
  const high = Math.max(...scaling.speedups);
  return `${scaling.speedup.toFixed(2)}× (rounds ${low.toFixed(2)}–${high.toFixed(2)}; a fit beside the other worker ${(scaling.fitSeconds.two / scaling.fitSeconds.one).toFixed(2)}× its time alone, the two workers busy ${(100 * scaling.busy).toFixed(0)}%)`;
}
