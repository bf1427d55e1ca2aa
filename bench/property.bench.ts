/**
 * Property inference's cost is its shadow models (Ateniese et al. 2015): shadow models per
 * second on one and on two worker threads (Adult MLP 32 and logistic regression, 2,000 rows
 * drawn with 20% women), and the speed-up the second worker brings — after an untimed round on
 * each pool, the median of five rounds timed in turns (pool-rounds.ts; its models per second are
 * that round's).
 *
 *   npx tsx bench/property.bench.ts [--json]   (`--quick`, which `npm run bench` passes, runs the same)
 */

import { trainShadows } from '../src/attacks/property/meta-classifier.ts';
import { parseProperty } from '../src/attacks/property/property.ts';
import { TrainingPool } from '../src/parallel/training-pool.ts';
import { adultHalves, PROPERTY_MODELS } from '../src/reproduce/property.ts';
import { timePoolsInTurns } from './pool-rounds.ts';

const json = process.argv.includes('--json');
const { attacker } = adultHalves(42);
const spec = parseProperty('sex=Female:0.2,0.5');
/**
 * Shadow pairs a round: a round near a second on one worker (a logistic shadow takes ~4.5 ms, an
 * MLP 32 ~27 ms). 40 logistic shadows made a round of 0.1–0.2 s, shorter than this machine's
 * hiccups: one process's rounds read 1.47–1.99× for the same code.
 */
const PAIRS: Record<string, number> = { logistic: 100, 'MLP 32': 20 };
const rows = [];
for (const { model, trainer } of PROPERTY_MODELS.filter((m) => m.model in PAIRS)) {
  const count = PAIRS[model];
  const pools = { 1: new TrainingPool(1), 2: new TrainingPool(2) };
  const scaling = await timePoolsInTurns(pools, (pool) => trainShadows({ spec, pool: attacker, trainer, trainSize: 2000 }, count, 2, pool));
  await Promise.all(Object.values(pools).map((pool) => pool.close()));
  const median = scaling.rounds[scaling.speedups.indexOf(scaling.speedup)];
  rows.push({ model, shadows: 2 * count, oneWorker: (2 * count) / median.one, twoWorkers: (2 * count) / median.two, speedup: scaling.speedup, scaling });
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'property', rows })}\n`);
else console.table(rows);
