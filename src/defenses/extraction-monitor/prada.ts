/**
 * PRADA (Juuti, Szyller, Marchal and Asokan, "PRADA: Protecting against DNN model stealing
 * attacks", EuroS&P 2019, Algorithm 1), a per-client extraction detector. Benign clients ask
 * about natural inputs, whose distances to one another are roughly normally distributed;
 * extraction attacks synthesise queries (line searches, perturbations of a seed row, uniform or
 * chosen points) whose distances are not. For each query x of predicted class c the detector
 * takes d = the minimum distance from x to the class's "growing set" G_c; every d joins the
 * sample D; x joins G_c when d exceeds the class's threshold T_c = max(T_c, mean − std of the
 * distances that grew G_c). Once D holds `minimumQueries` values, a Shapiro–Wilk W below
 * `threshold` flags the client.
 *
 * Beside it, a detector of path finding's probing (Tramèr et al. 2016 §4.2): queries that differ
 * from one of the client's last four in one or two encoded columns (one feature changed) or that
 * leave most features missing. A share of such probes at or above `probeShare` among the last 100 flags.
 *
 * With reference rows the owner knows to be natural, a third detector flags queries far from
 * all of them (off-manifold.ts): equation solving's and uniform retraining's random points.
 *
 * Distances are L2 over columns divided by their schema range, so no wide column dominates; a
 * missing value counts as the middle of its range. State is bounded: `maxGrowingPerClass` points
 * per class and the last `window` distances.
 */

import { ValidationError } from '../../errors.ts';
import { columnRanges, type FeatureSchema } from '../../data/schema.ts';
import { shapiroWilk } from './shapiro-wilk.ts';
import { ReferenceRows, squaredDistance } from './off-manifold.ts';

/** Settings of a detector. */
export interface PradaOptions {
  /** W below this flags the client (Juuti et al. tune it per model; 0.9 is their MNIST setting's order). */
  threshold: number;
  /** Distances needed before the first test. */
  minimumQueries: number;
  /** Test every this many queries (the test sorts the window). */
  testEvery: number;
  maxGrowingPerClass: number;
  window: number;
  /** Share of probe-like queries among the last 100 that flags path finding (0 turns the probe detector off). */
  probeShare: number;
  /** Share of off-manifold queries among the last 100 that flags synthetic queries (needs reference rows). */
  offShare: number;
}

/** Defaults: Juuti et al.'s δ is tuned per model; 0.9 kept false alarms at 0 on our benign replays. */
export const PRADA_DEFAULTS: PradaOptions = { threshold: 0.9, minimumQueries: 100, testEvery: 10, maxGrowingPerClass: 1000, window: 5000, probeShare: 0.5, offShare: 0.5 };

/** The columns' centres and scales the distance uses. */
export interface ColumnScale {
  centre: Float64Array;
  scale: Float64Array;
}

/** What the detector concluded after a query. */
export interface PradaReading {
  queries: number;
  /** PRADA's W threshold in force (calibrated down on reference rows when given). */
  threshold: number;
  /** The latest W (absent before the first test). */
  w?: number;
  probeShare: number;
  /** Share of the last 100 queries far from every reference row (0 without reference rows). */
  offShare: number;
  /** Which detector fired, if any (it stays flagged). */
  flagged?: { detector: 'prada' | 'partial-probing' | 'off-manifold'; statistic: number; atQuery: number };
}

/** Earlier queries a probe is compared with: path finding changes one feature of the query it just made. */
const PROBE_MEMORY = 4;

/** How far below the reference rows' own W PRADA's calibrated threshold sits. */
const CALIBRATION_MARGIN = 0.05;

/** One client's (API key's) stream of queries to one model. */
export class PradaStream {
  private options: PradaOptions;
  private readonly columns: ColumnScale;
  private readonly growing = new Map<number, { points: Float64Array[]; distances: number[]; threshold: number }>();
  private readonly distances: number[] = [];
  private readonly recent: Float64Array[] = [];
  private readonly probes: boolean[] = [];
  private readonly offs: boolean[] = [];
  private readonly reference?: ReferenceRows;
  private queries = 0;
  private lastW?: number;
  private flag?: PradaReading['flagged'];

  /** `reference`: rows the owner knows to be natural (raw encoded rows, at least 20), for the off-manifold detector. */
  constructor(columns: ColumnScale, options: Partial<PradaOptions> = {}, reference?: ArrayLike<number>[]) {
    this.options = { ...PRADA_DEFAULTS, ...options };
    if (!(this.options.threshold > 0 && this.options.threshold < 1)) throw new ValidationError('cannot monitor extraction', [{ path: 'threshold', message: `${this.options.threshold}: give a W threshold in (0, 1), e.g. 0.9` }]);
    this.columns = columns;
    if (reference) {
      if (reference.length < 20) throw new ValidationError('cannot monitor extraction', [{ path: 'reference', message: `${reference.length} reference rows; give at least 20 natural rows (held-out data)` }]);
      this.reference = new ReferenceRows(reference.map((row) => this.normalise(row).point));
      // Natural rows of this model's domain may be less normally spaced than images (one-hot
      // levels, few ordinal features): PRADA's threshold drops to their own W less a margin.
      const w = shapiroWilk(this.reference.distances.slice(0, 5000));
      if (Number.isFinite(w)) this.options.threshold = Math.min(this.options.threshold, w - CALIBRATION_MARGIN);
    }
  }

  /** The reading so far. */
  get reading(): PradaReading {
    return { queries: this.queries, threshold: this.options.threshold, w: this.lastW, probeShare: this.share(), offShare: shareOf(this.offs), flagged: this.flag };
  }

  private normalise(row: ArrayLike<number>): { point: Float64Array; missing: number } {
    const point = new Float64Array(row.length);
    let missing = 0;
    for (let j = 0; j < row.length; j++) {
      const value = row[j];
      if (Number.isNaN(value)) missing++;
      point[j] = Number.isNaN(value) ? 0 : (value - this.columns.centre[j]) / this.columns.scale[j];
    }
    return { point, missing };
  }

  private share(): number {
    return shareOf(this.probes);
  }

  /** Feeds one answered query (its row and the label answered). */
  observe(row: ArrayLike<number>, label: number): PradaReading {
    this.queries++;
    const { point, missing } = this.normalise(row);
    this.observeProbe(row, point, missing);
    if (this.reference && missing === 0) {
      this.offs.push(this.reference.isFar(point));
      if (this.offs.length > 100) this.offs.shift();
    }
    const group = this.growing.get(label);
    if (!group) {
      this.growing.set(label, { points: [point], distances: [], threshold: 0 });
    } else {
      let nearest = Infinity;
      for (const other of group.points) nearest = Math.min(nearest, squaredDistance(point, other));
      const distance = Math.sqrt(nearest);
      this.distances.push(distance);
      if (this.distances.length > this.options.window) this.distances.shift();
      if (distance > group.threshold) {
        group.points.push(point);
        if (group.points.length > this.options.maxGrowingPerClass) group.points.shift();
        group.distances.push(distance);
        const mean = group.distances.reduce((a, b) => a + b, 0) / group.distances.length;
        const spread = Math.sqrt(group.distances.reduce((a, b) => a + (b - mean) ** 2, 0) / group.distances.length);
        group.threshold = Math.max(group.threshold, mean - spread);
      }
    }
    if (!this.flag && this.distances.length >= this.options.minimumQueries && this.queries % this.options.testEvery === 0) {
      const w = shapiroWilk(this.distances);
      // A constant sample (every query at the same distance) is as far from natural as it gets.
      this.lastW = Number.isNaN(w) ? 0 : w;
      if (this.lastW < this.options.threshold) this.flag = { detector: 'prada', statistic: this.lastW, atQuery: this.queries };
    }
    if (!this.flag && this.options.probeShare > 0 && this.probes.length >= 50 && this.share() >= this.options.probeShare) {
      this.flag = { detector: 'partial-probing', statistic: this.share(), atQuery: this.queries };
    }
    if (!this.flag && this.offs.length >= 50 && shareOf(this.offs) >= this.options.offShare) {
      this.flag = { detector: 'off-manifold', statistic: shareOf(this.offs), atQuery: this.queries };
    }
    return this.reading;
  }

  private observeProbe(row: ArrayLike<number>, point: Float64Array, missing: number): void {
    let probe = missing > row.length / 2;
    for (let k = this.recent.length - 1; k >= 0 && !probe; k--) {
      let differing = 0;
      const other = this.recent[k];
      for (let j = 0; j < point.length && differing <= 2; j++) if (point[j] !== other[j]) differing++;
      if (differing >= 1 && differing <= 2) probe = true;
    }
    this.recent.push(point);
    if (this.recent.length > PROBE_MEMORY) this.recent.shift();
    this.probes.push(probe);
    if (this.probes.length > 100) this.probes.shift();
  }
}

function shareOf(flags: boolean[]): number {
  return flags.length === 0 ? 0 : flags.filter(Boolean).length / flags.length;
}

/** Centres and scales of a schema's encoded columns, from their ranges (a zero-width column keeps scale 1). */
export function columnScaleOf(schema: FeatureSchema): ColumnScale {
  const { lower, upper } = columnRanges(schema);
  return { centre: lower.map((low, j) => (low + upper[j]) / 2), scale: lower.map((low, j) => (upper[j] > low ? upper[j] - low : 1)) };
}
