/**
 * Extraction detection measured (the countermeasures issue; PRADA, Juuti et al. 2019): for each
 * target, every extraction attack that applies runs through the detectors until it finishes —
 * the query at which it was first flagged, or none — by PRADA and the probe detector alone and
 * with 300 held-out reference rows (the off-manifold detector, PRADA calibrated on them); benign
 * clients replay other held-out rows (500 each, in random order) to count false alarms.
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
import type { Oracle } from '../oracle/types.ts';
import { Rng } from '../random.ts';
import { REPRODUCTION_SEED, reproductionData } from './extraction.ts';

/** When a detector set flagged a stream. */
export interface Detection {
  detectedAt?: number;
  detector?: string;
  statistic?: number;
}

/** One target's detection results: PRADA and the probe detector alone, and with the owner's reference rows. */
export interface DetectionRow {
  target: string;
  threshold: number;
  /** PRADA's threshold after calibration on the reference rows. */
  calibratedThreshold: number;
  referenceRows: number;
  attacks: { attack: string; queries: number; alone: Detection; withReference: Detection }[];
  benign: { clients: number; rowsEach: number; falseAlarms: number; falseAlarmsWithReference: number; lowestW?: number };
}

const BENIGN_ROWS = 500;

const REFERENCE_ROWS = 300;

function detection(oracle: MonitoredOracle): Detection {
  const flagged = oracle.reading.flagged;
  return { detectedAt: flagged?.atQuery, detector: flagged?.detector, statistic: flagged?.statistic };
}

async function measure(name: string, model: Classifier, heldOut: ClassificationDataset, attacks: { label: string; attack: string; params: Record<string, unknown> }[], clients: number): Promise<DetectionRow> {
  // Held-out rows in a seeded random order: the first are the owner's reference rows, the rest benign clients' queries.
  const order = Array.from(new Rng(REPRODUCTION_SEED).permutation(heldOut.features.rows));
  const reference = selectRows(heldOut.features, order.slice(0, REFERENCE_ROWS));
  const watch = (oracle: Oracle) => {
    const alone = new MonitoredOracle(oracle);
    return { alone, withReference: new MonitoredOracle(alone, {}, reference) };
  };
  const row: DetectionRow = {
    target: name,
    threshold: PRADA_DEFAULTS.threshold,
    calibratedThreshold: watch(new LocalOracle(model)).withReference.reading.threshold,
    referenceRows: REFERENCE_ROWS,
    attacks: [],
    benign: { clients: 0, rowsEach: BENIGN_ROWS, falseAlarms: 0, falseAlarmsWithReference: 0 },
  };
  for (const plan of attacks) {
    const watched = watch(new LocalOracle(model));
    const record = await runAttack(EXTRACTION_ATTACKS[plan.attack], watched.withReference, { params: plan.params, seed: REPRODUCTION_SEED });
    row.attacks.push({ attack: plan.label, queries: record.queries, alone: detection(watched.alone), withReference: detection(watched.withReference) });
  }
  for (let c = 0; c < clients && REFERENCE_ROWS + (c + 1) * BENIGN_ROWS <= heldOut.features.rows; c++) {
    const watched = watch(new LocalOracle(model));
    await watched.withReference.query(selectRows(heldOut.features, order.slice(REFERENCE_ROWS + c * BENIGN_ROWS, REFERENCE_ROWS + (c + 1) * BENIGN_ROWS)));
    row.benign.clients++;
    if (watched.alone.reading.flagged) row.benign.falseAlarms++;
    if (watched.withReference.reading.flagged) row.benign.falseAlarmsWithReference++;
    const w = watched.alone.reading.flagged?.detector === 'prada' ? watched.alone.reading.flagged.statistic : watched.alone.reading.w;
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
