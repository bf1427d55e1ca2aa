/**
 * Extraction detection measured (the countermeasures issue; PRADA, Juuti et al. 2019): for each
 * target, every extraction attack that applies runs through the detector until it finishes —
 * the query at which it was first flagged, or none — and benign clients replay held-out rows
 * (500 each) to count false alarms, at the detector's default threshold.
 */

import { EXTRACTION_ATTACKS } from '../attacks/extraction/index.ts';
import { runAttack } from '../attacks/runner.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { splitIndices } from '../data/split.ts';
import { MonitoredOracle } from '../defenses/extraction-monitor/monitored-oracle.ts';
import { PRADA_DEFAULTS } from '../defenses/extraction-monitor/prada.ts';
import { selectRows } from '../math/matrix.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { MlpTrainer } from '../models/neural/mlp.ts';
import { DecisionTreeTrainer } from '../models/tree/cart.ts';
import type { Classifier } from '../models/types.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED, reproductionData } from './extraction.ts';

/** One target's detection results. */
export interface DetectionRow {
  target: string;
  threshold: number;
  attacks: { attack: string; queries: number; detectedAt?: number; detector?: string; statistic?: number }[];
  benign: { clients: number; rowsEach: number; falseAlarms: number; lowestW?: number };
}

const BENIGN_ROWS = 500;

async function measure(name: string, model: Classifier, heldOut: ClassificationDataset, attacks: { label: string; attack: string; params: Record<string, unknown> }[], clients: number): Promise<DetectionRow> {
  const row: DetectionRow = { target: name, threshold: PRADA_DEFAULTS.threshold, attacks: [], benign: { clients: 0, rowsEach: BENIGN_ROWS, falseAlarms: 0 } };
  for (const plan of attacks) {
    const watched = new MonitoredOracle(new LocalOracle(model));
    const record = await runAttack(EXTRACTION_ATTACKS[plan.attack], watched, { params: plan.params, seed: REPRODUCTION_SEED });
    const flagged = watched.reading.flagged;
    row.attacks.push({ attack: plan.label, queries: record.queries, detectedAt: flagged?.atQuery, detector: flagged?.detector, statistic: flagged?.statistic });
  }
  const order = new Rng(REPRODUCTION_SEED).permutation(heldOut.features.rows);
  for (let c = 0; c < clients && (c + 1) * BENIGN_ROWS <= heldOut.features.rows; c++) {
    const watched = new MonitoredOracle(new LocalOracle(model));
    await watched.query(selectRows(heldOut.features, Array.from(order.subarray(c * BENIGN_ROWS, (c + 1) * BENIGN_ROWS))));
    row.benign.clients++;
    if (watched.reading.flagged) row.benign.falseAlarms++;
    const w = watched.reading.flagged?.detector === 'prada' ? watched.reading.flagged.statistic : watched.reading.w;
    if (w !== undefined) row.benign.lowestW = Math.min(row.benign.lowestW ?? 1, w);
  }
  return row;
}

/** Detection on an MNIST MLP (PRADA's own setting), Adult's logistic regression and a GSS tree. */
export async function reproduceDetection(quick: boolean): Promise<DetectionRow[]> {
  const rows: DetectionRow[] = [];
  const clients = quick ? 2 : 10;
  const retraining = (strategy: string, queries: number) => ({ label: `retraining, ${strategy}`, attack: 'retraining', params: { strategy, queries } });
  if (isAvailable(findDataset('mnist'))) {
    const data = loadDataset('mnist') as ClassificationDataset;
    const split = splitIndices(data, { testFraction: 0.2, rng: new Rng(REPRODUCTION_SEED), stratify: true });
    const model = await new MlpTrainer({ hidden: [64], epochs: quick ? 3 : 10, standardize: false, validationFraction: 0 }).fit(subsetRows(data, split.train), new Rng(REPRODUCTION_SEED));
    const queries = quick ? 300 : 1000;
    rows.push(await measure('MNIST MLP 64', model, subsetRows(data, split.test), [retraining('line-search', queries), retraining('uniform', queries), retraining('adaptive', queries)], clients));
  }
  const income = reproductionData('adult-income');
  if (income) {
    const model = new LinearClassifierTrainer('logistic').fitSync(income.train);
    rows.push(await measure('Adult income, logistic', model, income.test, [{ label: 'equation solving', attack: 'equation-solving', params: {} }, retraining('line-search', 1090), retraining('uniform', 1090), retraining('adaptive', 1090)], clients));
  }
  const gss = quick ? undefined : reproductionData('gss-tree');
  if (gss) {
    const model = new DecisionTreeTrainer({}).fitSync(gss.train);
    rows.push(await measure('GSS happiness, tree', model, gss.test, [{ label: 'path finding', attack: 'path-finding', params: {} }], clients));
  }
  return rows;
}
