/**
 * CART (Breiman et al. 1984) for classification: binary splits chosen by Gini or entropy
 * decrease, numeric thresholds at midpoints between observed values, and categorical splits on
 * ordinal-encoded columns (levels sorted by class share, then the best prefix — exact for two
 * classes, Breiman's ordering heuristic beyond). Missing values (NaN) are left out when a split
 * is scored (its gain scaled by the share of rows present, as C4.5 does) and then follow the
 * larger child. Rows are grouped by value rank with a histogram when a column has few distinct
 * values and by a native integer sort otherwise, so a node costs O(rows) per feature.
 */

import { ValidationError } from '../../errors.ts';
import type { ClassificationDataset, Dataset } from '../../data/dataset.ts';
import { columnLayout } from '../../data/schema.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingData, requireClassification } from '../validate.ts';
import { DecisionTree, type CategoricalSplit, type NumericSplit, type TreeNode } from './decision-tree.ts';

/** Parameters of the tree. */
export const TREE_PARAMS = {
  criterion: { type: 'choice', values: ['gini', 'entropy'] as const, default: 'gini', doc: 'impurity measure' },
  maxDepth: { type: 'number', default: 30, min: 1, integer: true, doc: 'depth of the deepest leaf at most' },
  minSamplesSplit: { type: 'number', default: 2, min: 2, integer: true, doc: 'rows a node needs to be split' },
  minSamplesLeaf: { type: 'number', default: 1, min: 1, integer: true, doc: 'rows each child must keep' },
  sensitiveFeature: {
    type: 'number',
    default: -1,
    min: -1,
    integer: true,
    doc: 'column of a sensitive feature that may be split only at sensitiveDepth (the sensitive-feature-aware tree of Fredrikson et al. 2015, §7; -1: none)',
  },
  sensitiveDepth: { type: 'number', default: 0, min: 0, integer: true, doc: 'the depth at which sensitiveFeature is split (it is preferred there, excluded elsewhere)' },
} satisfies ParamSpecs;

/** Validated tree parameters. */
export type TreeParams = ParamValues<typeof TREE_PARAMS>;

const MISSING = 0xffffffff;

interface Column {
  categorical: boolean;
  /** Sorted distinct values (numeric) or level count (categorical). */
  values: Float64Array;
  /** Rank of each training row's value; MISSING for NaN. */
  ranks: Uint32Array;
}

interface Candidate {
  gain: number;
  split: NumericSplit | CategoricalSplit;
}

/** Trains a CART classification tree. */
export class DecisionTreeTrainer implements Trainer<DecisionTree> {
  readonly kind = 'tree' as const;
  readonly task = 'classification' as const;
  readonly params: TreeParams;
  private readonly progress: Progress;

  private readonly sparseBinary: boolean;

  /** `options.sparseBinary: false` groups 0/1 columns like any other (the tests compare both paths). */
  constructor(params: Record<string, unknown> = {}, progress: Progress = silentProgress, options: { sparseBinary?: boolean } = {}) {
    this.params = resolveParams('tree', TREE_PARAMS, params);
    this.progress = progress;
    this.sparseBinary = options.sparseBinary ?? true;
  }

  fitSync(data: Dataset): DecisionTree {
    const classification = requireClassification(this.kind, data);
    checkTrainingData(this.kind, classification, { allowMissing: true });
    // Progress counts training rows settled in a leaf: every row ends in exactly one.
    this.progress.start('growing tree (training rows in leaves)', classification.features.rows);
    const builder = new Builder(classification, this.params, (rows) => this.progress.tick(rows), this.sparseBinary);
    const all = Uint32Array.from({ length: classification.features.rows }, (_, i) => i);
    builder.grow(all, 0);
    this.progress.done();
    return new DecisionTree({
      classes: classification.classes,
      schema: classification.schema,
      inputSize: classification.features.cols,
      nodes: builder.nodes,
      params: { ...this.params },
    });
  }

  async fit(data: Dataset, _rng: Rng): Promise<DecisionTree> {
    return this.fitSync(data);
  }
}

class Builder {
  readonly nodes: TreeNode[] = [];
  private readonly labels: Int32Array;
  private readonly classes: number;
  private readonly columns: Column[];
  private readonly params: TreeParams;
  private readonly impurity: (counts: Float64Array, offset: number, total: number) => number;
  private histogram: Float64Array;
  private readonly onLeaf: (rows: number) => void;
  /**
   * Columns with exactly two values and none missing (one-hot levels: most of Adult's 108), and
   * per row the ones among them at their higher value: a node counts those columns in one pass
   * over its rows' few set entries instead of one pass per column.
   */
  private readonly binary: Int32Array;
  private readonly setStart: Uint32Array;
  private readonly setColumns: Uint32Array;
  private ones: Float64Array;

  constructor(data: ClassificationDataset, params: TreeParams, onLeaf: (rows: number) => void, sparseBinary = true) {
    this.onLeaf = onLeaf;
    this.labels = data.labels;
    this.classes = data.classes.length;
    this.params = params;
    this.impurity = params.criterion === 'gini' ? gini(this.classes) : entropy(this.classes);
    this.columns = buildColumns(data);
    if (params.sensitiveFeature >= this.columns.length) {
      throw new ValidationError('invalid tree parameters', [
        { path: 'sensitiveFeature', message: `column ${params.sensitiveFeature} does not exist; the data has columns 0…${this.columns.length - 1}` },
      ]);
    }
    this.histogram = new Float64Array(4 * data.features.rows + 4 * this.classes);
    this.binary = new Int32Array(this.columns.length).fill(-1);
    let binaryCount = 0;
    this.columns.forEach((column, j) => {
      if (sparseBinary && !column.categorical && column.values.length === 2 && !column.ranks.includes(MISSING)) this.binary[j] = binaryCount++;
    });
    const rows = data.features.rows;
    const binaryColumns: number[] = [];
    this.binary.forEach((slot, j) => slot >= 0 && binaryColumns.push(j));
    let entries = 0;
    for (const j of binaryColumns) for (let i = 0; i < rows; i++) if (this.columns[j].ranks[i] === 1) entries++;
    this.setStart = new Uint32Array(rows + 1);
    this.setColumns = new Uint32Array(entries);
    let k = 0;
    for (let i = 0; i < rows; i++) {
      this.setStart[i] = k;
      for (const j of binaryColumns) if (this.columns[j].ranks[i] === 1) this.setColumns[k++] = this.binary[j];
    }
    this.setStart[rows] = k;
    this.ones = new Float64Array(binaryCount * this.classes);
  }

  grow(rows: Uint32Array, depth: number): number {
    const counts = new Array<number>(this.classes).fill(0);
    for (const row of rows) counts[this.labels[row]]++;
    const node: TreeNode = { id: this.nodes.length, depth, counts };
    this.nodes.push(node);
    const pure = counts.filter((count) => count > 0).length <= 1;
    const best = pure || depth >= this.params.maxDepth || rows.length < this.params.minSamplesSplit ? undefined : this.bestSplit(rows, counts, depth);
    const [left, right] = best ? this.partition(rows, best.split) : [rows, rows];
    if (!best || left.length === 0 || right.length === 0) {
      this.onLeaf(rows.length);
      return node.id;
    }
    node.split = best.split;
    node.left = this.grow(left, depth + 1);
    node.right = this.grow(right, depth + 1);
    return node.id;
  }

  private partition(rows: Uint32Array, split: NumericSplit | CategoricalSplit): [Uint32Array, Uint32Array] {
    const column = this.columns[split.feature];
    const goesLeft = new Uint8Array(column.categorical ? column.values.length : 0);
    if (split.kind === 'categorical') for (const level of split.left) goesLeft[level] = 1;
    const side = new Uint8Array(rows.length); // 0 missing, 1 left, 2 right
    let leftCount = 0;
    let rightCount = 0;
    rows.forEach((row, k) => {
      const rank = column.ranks[row];
      if (rank === MISSING) return;
      const left = split.kind === 'numeric' ? column.values[rank] <= split.threshold : goesLeft[rank] === 1;
      side[k] = left ? 1 : 2;
      if (left) leftCount++;
      else rightCount++;
    });
    const missingSide = leftCount >= rightCount ? 1 : 2;
    const missing = rows.length - leftCount - rightCount;
    const left = new Uint32Array(leftCount + (missingSide === 1 ? missing : 0));
    const right = new Uint32Array(rows.length - left.length);
    let l = 0;
    let r = 0;
    for (let k = 0; k < rows.length; k++) {
      if ((side[k] || missingSide) === 1) left[l++] = rows[k];
      else right[r++] = rows[k];
    }
    return [left, right];
  }

  private bestSplit(rows: Uint32Array, counts: number[], depth: number): Candidate | undefined {
    this.countOnes(rows);
    const sensitive = this.params.sensitiveFeature;
    if (sensitive >= 0 && depth === this.params.sensitiveDepth) {
      const forced = this.bestSplitOn(sensitive, rows, counts);
      if (forced && forced.gain > 1e-12) return forced;
    }
    let best: Candidate | undefined;
    for (let feature = 0; feature < this.columns.length; feature++) {
      if (feature === sensitive) continue;
      const candidate = this.bestSplitOn(feature, rows, counts);
      if (candidate && (!best || candidate.gain > best.gain + 1e-12)) best = candidate;
    }
    return best && best.gain > 1e-12 ? best : undefined;
  }

  /** Per class, the node's rows at the higher value of each two-valued column (one pass over their set entries). */
  private countOnes(rows: Uint32Array): void {
    const k = this.classes;
    this.ones.fill(0);
    for (const row of rows) {
      const label = this.labels[row];
      for (let e = this.setStart[row]; e < this.setStart[row + 1]; e++) this.ones[this.setColumns[e] * k + label]++;
    }
  }

  /** Groups the rows present in `feature` by value rank: ranks ascending and class counts per group. */
  private groups(feature: number, rows: Uint32Array, nodeCounts: number[]): { ranks: number[]; counts: Float64Array; present: number } {
    const column = this.columns[feature];
    const k = this.classes;
    const slot = this.binary[feature];
    if (slot >= 0) {
      // Two values, none missing: the higher value's counts come from countOnes, the lower's by difference.
      const counts = new Float64Array(2 * k);
      let lowTotal = 0;
      let highTotal = 0;
      for (let c = 0; c < k; c++) {
        const high = this.ones[slot * k + c];
        counts[c] = nodeCounts[c] - high;
        counts[k + c] = high;
        lowTotal += counts[c];
        highTotal += high;
      }
      if (lowTotal > 0 && highTotal > 0) return { ranks: [0, 1], counts, present: rows.length };
      return { ranks: [lowTotal > 0 ? 0 : 1], counts: counts.slice(lowTotal > 0 ? 0 : k, lowTotal > 0 ? k : 2 * k), present: rows.length };
    }
    const distinct = column.values.length;
    const ranks: number[] = [];
    let present = 0;
    if (distinct * k <= 4 * rows.length) {
      const histogram = this.histogram;
      histogram.fill(0, 0, distinct * k);
      for (const row of rows) {
        const rank = column.ranks[row];
        if (rank === MISSING) continue;
        histogram[rank * k + this.labels[row]]++;
        present++;
      }
      const counts: number[] = [];
      for (let rank = 0; rank < distinct; rank++) {
        let total = 0;
        for (let c = 0; c < k; c++) total += histogram[rank * k + c];
        if (total === 0) continue;
        ranks.push(rank);
        for (let c = 0; c < k; c++) counts.push(histogram[rank * k + c]);
      }
      return { ranks, counts: Float64Array.from(counts), present };
    }
    const keys = new Uint32Array(rows.length);
    for (const row of rows) {
      const rank = column.ranks[row];
      if (rank !== MISSING) keys[present++] = rank * k + this.labels[row];
    }
    const sorted = keys.subarray(0, present).sort();
    const counts: number[] = [];
    let current = -1;
    for (const key of sorted) {
      const rank = Math.floor(key / k);
      if (rank !== current) {
        ranks.push(rank);
        for (let c = 0; c < k; c++) counts.push(0);
        current = rank;
      }
      counts[counts.length - k + (key % k)]++;
    }
    return { ranks, counts: Float64Array.from(counts), present };
  }

  private bestSplitOn(feature: number, rows: Uint32Array, nodeCounts: number[]): Candidate | undefined {
    const column = this.columns[feature];
    const k = this.classes;
    const grouped = this.groups(feature, rows, nodeCounts);
    const groupCount = grouped.ranks.length;
    if (groupCount < 2) return undefined;
    let order: number[] = new Array<number>(groupCount);
    for (let g = 0; g < groupCount; g++) order[g] = g;
    if (column.categorical) {
      const target = k === 2 ? 1 : nodeCounts.indexOf(Math.max(...nodeCounts));
      const share = (g: number) => {
        let total = 0;
        for (let c = 0; c < k; c++) total += grouped.counts[g * k + c];
        return grouped.counts[g * k + target] / total;
      };
      order = order.sort((a, b) => share(a) - share(b) || grouped.ranks[a] - grouped.ranks[b]);
    }
    const total = new Float64Array(k);
    for (let g = 0; g < groupCount; g++) for (let c = 0; c < k; c++) total[c] += grouped.counts[g * k + c];
    const present = grouped.present;
    const parentImpurity = this.impurity(total, 0, present);
    const left = new Float64Array(k);
    const right = new Float64Array(k);
    let leftCount = 0;
    let bestGain = -Infinity;
    let bestPrefix = -1;
    for (let position = 0; position < groupCount - 1; position++) {
      const g = order[position];
      for (let c = 0; c < k; c++) {
        left[c] += grouped.counts[g * k + c];
        leftCount += grouped.counts[g * k + c];
      }
      const rightCount = present - leftCount;
      if (leftCount < this.params.minSamplesLeaf || rightCount < this.params.minSamplesLeaf) continue;
      for (let c = 0; c < k; c++) right[c] = total[c] - left[c];
      const children = (leftCount * this.impurity(left, 0, leftCount) + rightCount * this.impurity(right, 0, rightCount)) / present;
      const gain = (present / rows.length) * (parentImpurity - children);
      if (gain > bestGain + 1e-12) {
        bestGain = gain;
        bestPrefix = position;
      }
    }
    if (bestPrefix < 0) return undefined;
    if (column.categorical) {
      const levels = order.slice(0, bestPrefix + 1).map((g) => grouped.ranks[g]).sort((a, b) => a - b);
      return { gain: bestGain, split: { kind: 'categorical', feature, left: levels } };
    }
    const low = column.values[grouped.ranks[order[bestPrefix]]];
    const high = column.values[grouped.ranks[order[bestPrefix + 1]]];
    return { gain: bestGain, split: { kind: 'numeric', feature, threshold: low + (high - low) / 2 } };
  }
}

/** The column's low and high value when it has at most two (and some value), else undefined. */
function twoValues(column: Float64Array): [number, number] | undefined {
  let low = NaN;
  let high = NaN;
  for (const value of column) {
    if (Number.isNaN(value) || value === low || value === high) continue;
    if (Number.isNaN(low)) low = high = value;
    else if (low === high) [low, high] = value < low ? [value, low] : [low, value];
    else return undefined;
  }
  return Number.isNaN(low) ? undefined : [low, high];
}

/** The index of `value` in the sorted distinct `values` (binary search). */
function rankOf(values: Float64Array, value: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (values[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function buildColumns(data: ClassificationDataset): Column[] {
  const { rows, cols, data: x } = data.features;
  const categorical = new Uint8Array(cols);
  const levels = new Uint32Array(cols);
  for (const { feature, start } of columnLayout(data.schema)) {
    if (feature.kind === 'categorical' && feature.encoding === 'ordinal') {
      categorical[start] = 1;
      levels[start] = feature.levels.length;
    }
  }
  const columns: Column[] = [];
  // One column at a time (a copy of every column at once would double a 60,000-image data set).
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    const ranks = new Uint32Array(rows);
    if (categorical[j]) {
      for (let i = 0; i < rows; i++) {
        const value = x[i * cols + j];
        ranks[i] = Number.isNaN(value) ? MISSING : value;
      }
      columns.push({ categorical: true, values: Float64Array.from({ length: levels[j] }, (_, level) => level), ranks });
      continue;
    }
    for (let i = 0; i < rows; i++) column[i] = x[i * cols + j];
    const pair = twoValues(column);
    if (pair) {
      // At most two values (one-hot levels): ranks without sorting.
      const values = Float64Array.from(pair[0] === pair[1] ? [pair[0]] : pair);
      for (let i = 0; i < rows; i++) ranks[i] = Number.isNaN(column[i]) ? MISSING : column[i] === values[0] ? 0 : 1;
      columns.push({ categorical: false, values, ranks });
      continue;
    }
    // Rank by sorting the column's values once: ranks follow the sorted distinct values.
    const sorted = Float64Array.from(column).sort(); // NaN sorts last
    const distinct: number[] = [];
    for (const value of sorted) if (!Number.isNaN(value) && (distinct.length === 0 || value !== distinct[distinct.length - 1])) distinct.push(value);
    const values = Float64Array.from(distinct);
    for (let i = 0; i < rows; i++) ranks[i] = Number.isNaN(column[i]) ? MISSING : rankOf(values, column[i]);
    columns.push({ categorical: false, values, ranks });
  }
  return columns;
}

function gini(classes: number) {
  return (counts: Float64Array, offset: number, total: number): number => {
    if (total === 0) return 0;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += (counts[offset + c] / total) ** 2;
    return 1 - sum;
  };
}

function entropy(classes: number) {
  return (counts: Float64Array, offset: number, total: number): number => {
    if (total === 0) return 0;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const p = counts[offset + c] / total;
      if (p > 0) sum -= p * Math.log2(p);
    }
    return sum;
  };
}
