/**
 * Property inference's cost is its shadow models (Ateniese et al. 2015): shadow models per
 * second on one and on two worker threads (Adult MLP 32 and logistic regression, 2,000 rows
 * drawn with 20% women), and the speed-up the second worker brings — the median of three rounds
 * timed in turns (its models per second are that round's).
 *
 *   npx tsx bench/property.bench.ts [--json]   (`--quick`, which `npm run bench` passes, runs the same 40 shadows)
 */

import { trainShadows } from '../src/attacks/property/meta-classifier.ts';
import { parseProperty } from '../src/attacks/property/property.ts';
import { TrainingPool } from '../src/parallel/training-pool.ts';
import { adultHalves, PROPERTY_MODELS } from '../src/reproduce/property.ts';

const json = process.argv.includes('--json');
const { attacker } = adultHalves(42);
const spec = parseProperty('sex=Female:0.2,0.5');
// 40 shadows either way: over 12 (the quick count before), two runs read the logistic speed-up as 1.55× and 2.04×.
const count = 20;
const rows = [];
for (const { model, trainer } of PROPERTY_MODELS.filter((m) => m.model === 'logistic' || m.model === 'MLP 32')) {
  // Both pools kept and timed in turns — 1, 2, then 2, 1, then 1, 2 — and each round's ratio taken:
  // this machine's speed drifts 15–30% over minutes, and back-to-back runs of one pool then the
  // other read 1.36–2.19× for the same code.
  const pools = { 1: new TrainingPool(1), 2: new TrainingPool(2) };
  // One warm-up model per worker: start-up is paid once per pool, not per shadow.
  for (const [workers, pool] of Object.entries(pools)) await trainShadows({ spec, pool: attacker, trainer, trainSize: 2000 }, Number(workers), 1, pool);
  const perSecond = async (workers: 1 | 2) => {
    const started = performance.now();
    await trainShadows({ spec, pool: attacker, trainer, trainSize: 2000 }, count, 2, pools[workers]);
    return (2 * count) / ((performance.now() - started) / 1000);
  };
  const rounds: { one: number; two: number }[] = [];
  for (const order of [[1, 2], [2, 1], [1, 2]] as const) {
    const rates: Record<number, number> = {};
    for (const workers of order) rates[workers] = await perSecond(workers);
    rounds.push({ one: rates[1], two: rates[2] });
  }
  await Promise.all(Object.values(pools).map((pool) => pool.close()));
  const median = [...rounds].sort((a, b) => a.two / a.one - b.two / b.one)[1];
  rows.push({ model, shadows: 2 * count, oneWorker: median.one, twoWorkers: median.two, speedup: median.two / median.one, speedups: rounds.map((round) => round.two / round.one) });
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'property', rows })}\n`);
else console.table(rows);
