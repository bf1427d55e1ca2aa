/**
 * Property inference's cost is its shadow models (Ateniese et al. 2015): shadow models per
 * second on one and on two worker threads (Adult MLP 32 and logistic regression, 2,000 rows
 * drawn with 20% women), and the speed-up the second worker brings.
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
  const perSecond: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const pool = new TrainingPool(workers);
    // One warm-up model per worker: start-up is paid once per pool, not per shadow.
    await trainShadows({ spec, pool: attacker, trainer, trainSize: 2000 }, workers, 1, pool);
    const started = performance.now();
    await trainShadows({ spec, pool: attacker, trainer, trainSize: 2000 }, count, 2, pool);
    perSecond[workers] = (2 * count) / ((performance.now() - started) / 1000);
    await pool.close();
  }
  rows.push({ model, shadows: 2 * count, oneWorker: perSecond[1], twoWorkers: perSecond[2], speedup: perSecond[2] / perSecond[1] });
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'property', rows })}\n`);
else console.table(rows);
