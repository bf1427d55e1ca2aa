/**
 * CART (Breiman et al. 1984) for classification: binary splits chosen by Gini or entropy
 * decrease, numeric thresholds at midpoints between observed values, and categorical splits on
 * ordinal-encoded columns (levels sorted by class share, then the best prefix — exact for two
 * classes, Breiman's ordering heuristic beyond). Missing values (NaN) are left out when a split
 * is scored (its gain scaled by the share of rows present, as C4.5 does) and then follow the
 * larger child.
 *
 * Growing allocates no row lists: a node's rows are a segment of one index array, split in place
 * (stably) into its children's segments. Per node and feature the rows are grouped by value rank
 * in O(rows): two-valued columns (one-hot levels) from one pass over the node's set entries;
 * columns of many distinct values from rows presorted once per fit (the presorting of SLIQ,
 * Mehta et al. 1996: each column's order is kept per segment by the same stable split); the
 * others with a histogram, or a sort in nodes smaller than the histogram.
 */

import { ValidationError } from '../../errors.ts';
import type { ClassificationDataset, Dataset } from '../../data/dataset.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingShape, requireClassification } from '../validate.ts';
import { buildColumns, entropyImpurity, giniImpurity, MISSING, type Column, type OnesByRow } from './cart-columns.ts';
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

/** Columns with more distinct values than this are presorted once per fit. */
const PRESORT_ABOVE = 256;

/** How rows are grouped per column; the tests force each path to check that all grow the same tree. */
export interface GroupingOptions {
  /** Count two-valued columns from the rows' set entries (default true). */
  sparseBinary?: boolean;
  /** Presort the columns with more distinct values than this (default 256; 0 presorts all, Infinity none). */
  presortAbove?: number;
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
  private readonly grouping: Required<GroupingOptions>;

  constructor(params: Record<string, unknown> = {}, progress: Progress = silentProgress, grouping: GroupingOptions = {}) {
    this.params = resolveParams('tree', TREE_PARAMS, params);
    this.progress = progress;
    this.grouping = { sparseBinary: grouping.sparseBinary ?? true, presortAbove: grouping.presortAbove ?? PRESORT_ABOVE };
  }

  fitSync(data: Dataset): DecisionTree {
    const classification = requireClassification(this.kind, data);
    checkTrainingShape(this.kind, classification); // the features are checked as the columns are built
    // Progress counts training rows settled in a leaf: every row ends in exactly one.
    this.progress.start('growing tree (training rows in leaves)', classification.features.rows);
    const builder = new Builder(classification, this.params, (rows) => this.progress.tick(rows), this.grouping);
    const nodes = builder.grow(classification.features.rows);
    this.progress.done();
    return new DecisionTree({
      classes: classification.classes,
      schema: classification.schema,
      inputSize: classification.features.cols,
      nodes,
      params: { ...this.params },
    });
  }

  async fit(data: Dataset, _rng: Rng): Promise<DecisionTree> {
    return this.fitSync(data);
  }
}

/** How a column's rows are grouped by rank in a node: one value or none, never split. */
const CONSTANT = 0;
/** Two values, none missing: counted from the node's set entries. */
const BINARY = 1;
/** Many values: swept in the presorted order. */
const PRESORTED = 2;
/** A histogram of ranks (or a sort of the node's few rows). */
const HISTOGRAM = 3;

/** `goesRight` of a row missing the split's feature until the larger side is known. */
const SIDE_MISSING = 2;

class Builder {
  private readonly labels: Int32Array;
  private readonly classes: number;
  private readonly columns: Column[];
  private readonly params: TreeParams;
  /** The criterion's impurity of `counts[offset…offset+classes)`, which sum to `total` (the class count captured: faster than passed). */
  private readonly impurity: (counts: Float64Array, offset: number, total: number) => number;
  private readonly onLeaf: (rows: number) => void;
  /** Per column CONSTANT, BINARY, PRESORTED or HISTOGRAM. */
  private readonly grouping: Uint8Array;
  /** Per column its slot among the binary columns (Binary) or the presorted ones (Presorted). */
  private readonly slot: Int32Array;
  /** The rows of the node being grown are `order[start…end)`; children split the segment. */
  private readonly order: Uint32Array;
  /** Per presorted column, the rows by rank within each node's segment (missing last). */
  private readonly presorted: Uint32Array[];
  /** Per row, whether it goes right in the split being made. */
  private readonly goesRight: Uint8Array;
  private readonly scratch: Uint32Array;
  /**
   * Per row the two-valued columns at their higher value: a node counts those columns in one pass
   * over its rows' few set entries instead of one pass per column.
   */
  private readonly setStart: Uint32Array;
  private readonly setColumns: Uint32Array;
  private readonly ones: Float64Array;
  /** The groups of the column being scored: ranks ascending and class counts per group. */
  private readonly groupRanks: Uint32Array;
  private readonly groupCounts: Float64Array;
  private readonly histogram: Float64Array;
  private readonly keys: Uint32Array;
  private readonly total: Float64Array;
  /** The node's class counts, for the two-valued columns. */
  private readonly nodeTotal: Float64Array;
  private readonly left: Float64Array;
  private readonly right: Float64Array;
  /** Rows present (not missing) in the column last grouped. */
  private present = 0;

  constructor(data: ClassificationDataset, params: TreeParams, onLeaf: (rows: number) => void, options: Required<GroupingOptions>) {
    this.onLeaf = onLeaf;
    this.labels = data.labels;
    const k = (this.classes = data.classes.length);
    this.params = params;
    this.impurity = params.criterion === 'entropy' ? (c, o, t) => entropyImpurity(c, o, t, k) : (c, o, t) => giniImpurity(c, o, t, k);
    const built = buildColumns(data, 'tree');
    this.columns = built.columns;
    if (params.sensitiveFeature >= this.columns.length) {
      throw new ValidationError('invalid tree parameters', [
        { path: 'sensitiveFeature', message: `column ${params.sensitiveFeature} does not exist; the data has columns 0…${this.columns.length - 1}` },
      ]);
    }
    const rows = data.features.rows;
    this.order = identity(rows);
    this.goesRight = new Uint8Array(rows);
    this.scratch = new Uint32Array(rows);
    this.keys = new Uint32Array(rows);
    this.slot = new Int32Array(this.columns.length).fill(-1);
    this.presorted = [];
    const binaryColumns: number[] = [];
    let largestGroups = 2;
    let largestHistogram = 0;
    this.grouping = Uint8Array.from(this.columns, (column, j) => {
      const distinct = column.values.length;
      if (distinct < 2) return CONSTANT;
      largestGroups = Math.max(largestGroups, Math.min(distinct, rows));
      if (options.sparseBinary && !column.categorical && distinct === 2 && column.missing === 0) {
        this.slot[j] = binaryColumns.length;
        binaryColumns.push(j);
        return BINARY;
      }
      if (distinct > options.presortAbove) {
        this.slot[j] = this.presorted.length;
        this.presorted.push(presort(column, rows));
        return PRESORTED;
      }
      largestHistogram = Math.max(largestHistogram, distinct);
      return HISTOGRAM;
    });
    this.groupRanks = new Uint32Array(largestGroups);
    this.groupCounts = new Float64Array(largestGroups * k);
    this.histogram = new Float64Array(largestHistogram * k);
    this.total = new Float64Array(k);
    this.nodeTotal = new Float64Array(k);
    this.left = new Float64Array(k);
    this.right = new Float64Array(k);
    // The rows' set entries came with the columns (byte-ranked columns); as binary slots.
    this.setStart = binaryColumns.length > 0 ? built.ones.start : new Uint32Array(rows + 1);
    this.setColumns = binaryColumns.length > 0 ? slotEntries(built.ones, this.slot) : new Uint32Array(0);
    this.ones = new Float64Array(binaryColumns.length * k);
  }

  /**
   * Grows the tree of the rows `order[0…rows)` and returns its nodes, ids in preorder (a node, its
   * left subtree, its right subtree). A loop over a stack of segments rather than recursion, and
   * the node objects made at the end: the optimised loop then meets no half-built node shapes.
   */
  grow(rows: number): TreeNode[] {
    const depths: number[] = [];
    const counts: number[][] = [];
    const splits: (NumericSplit | CategoricalSplit | undefined)[] = [];
    const rights: number[] = [];
    // Segments still to grow: start, end, depth, and the node whose right child it is (−1: none).
    const stack: number[] = [0, rows, 0, -1];
    while (stack.length > 0) {
      const parent = stack.pop()!;
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const id = depths.length;
      if (parent >= 0) rights[parent] = id;
      const size = end - start;
      const nodeCounts = new Array<number>(this.classes).fill(0);
      for (let p = start; p < end; p++) nodeCounts[this.labels[this.order[p]]]++;
      depths.push(depth);
      counts.push(nodeCounts);
      rights.push(-1);
      let classesPresent = 0;
      for (const count of nodeCounts) if (count > 0) classesPresent++;
      const best = classesPresent <= 1 || depth >= this.params.maxDepth || size < this.params.minSamplesSplit ? undefined : this.bestSplit(start, end, nodeCounts, depth);
      const leftSize = best ? this.partition(start, end, best.split) : 0;
      if (!best || leftSize === 0 || leftSize === size) {
        splits.push(undefined);
        this.onLeaf(size);
        continue;
      }
      splits.push(best.split);
      // The right segment waits under the left one, which is grown next (and takes id + 1).
      stack.push(start + leftSize, end, depth + 1, id, start, start + leftSize, depth + 1, -1);
    }
    return depths.map((depth, id) => {
      const node: TreeNode = { id, depth, counts: counts[id] };
      const split = splits[id];
      if (split) {
        node.split = split;
        node.left = id + 1;
        node.right = rights[id];
      }
      return node;
    });
  }

  /** Splits the segment stably into its left rows, then its right ones (missing follow the larger side); returns the left count. */
  private partition(start: number, end: number, split: NumericSplit | CategoricalSplit): number {
    const column = this.columns[split.feature];
    const goesLeft = new Uint8Array(column.categorical ? column.values.length : 0);
    if (split.kind === 'categorical') for (const level of split.left) goesLeft[level] = 1;
    // Numeric: the ranks below `cut` (values up to the threshold) go left.
    let cut = 0;
    if (split.kind === 'numeric') {
      let high = column.values.length;
      while (cut < high) {
        const middle = (cut + high) >> 1;
        if (column.values[middle] <= split.threshold) cut = middle + 1;
        else high = middle;
      }
    }
    let leftCount = 0;
    let rightCount = 0;
    const ranks = column.ranks;
    if (ranks instanceof Uint8Array) {
      // A two-valued column, none missing.
      for (let p = start; p < end; p++) {
        const row = this.order[p];
        const right = ranks[row] >= cut ? 1 : 0;
        this.goesRight[row] = right;
        rightCount += right;
      }
      leftCount = end - start - rightCount;
    } else {
      const numeric = split.kind === 'numeric';
      for (let p = start; p < end; p++) {
        const row = this.order[p];
        const rank = ranks[row];
        if (rank === MISSING) {
          this.goesRight[row] = SIDE_MISSING;
          continue;
        }
        const left = numeric ? rank < cut : goesLeft[rank] === 1;
        this.goesRight[row] = left ? 0 : 1;
        if (left) leftCount++;
        else rightCount++;
      }
    }
    const missing = end - start - leftCount - rightCount;
    if (missing > 0) {
      const side = leftCount >= rightCount ? 0 : 1;
      for (let p = start; p < end; p++) if (this.goesRight[this.order[p]] === SIDE_MISSING) this.goesRight[this.order[p]] = side;
      if (side === 0) leftCount += missing;
    }
    this.splitSegment(this.order, start, end);
    for (const rows of this.presorted) this.splitSegment(rows, start, end);
    return leftCount;
  }

  /** Moves the segment's left rows to its front and its right rows after them, each in their order. */
  private splitSegment(rows: Uint32Array, start: number, end: number): void {
    let write = start;
    let moved = 0;
    for (let p = start; p < end; p++) {
      const row = rows[p];
      if (this.goesRight[row]) this.scratch[moved++] = row;
      else rows[write++] = row;
    }
    rows.set(this.scratch.subarray(0, moved), write);
  }

  private bestSplit(start: number, end: number, counts: number[], depth: number): Candidate | undefined {
    if (this.ones.length > 0) this.countOnes(start, end);
    const sensitive = this.params.sensitiveFeature;
    if (sensitive >= 0 && depth === this.params.sensitiveDepth) {
      const forced = this.bestSplitOn(sensitive, start, end, counts);
      if (forced && forced.gain > 1e-12) return forced;
    }
    let best: Candidate | undefined;
    let parent = NaN;
    for (let feature = 0; feature < this.columns.length; feature++) {
      if (feature === sensitive) continue;
      if (this.grouping[feature] === BINARY) {
        // Inline: two groups whose counts countOnes gave; the same sums as bestSplitOn's, in the same order.
        if (parent !== parent) {
          for (let c = 0; c < this.classes; c++) this.nodeTotal[c] = counts[c];
          parent = this.impurity(this.nodeTotal, 0, end - start);
        }
        const gain = this.binaryGain(this.slot[feature], end - start, parent);
        if (gain > -Infinity && (!best || gain > best.gain + 1e-12)) {
          const values = this.columns[feature].values;
          best = { gain, split: { kind: 'numeric', feature, threshold: values[0] + (values[1] - values[0]) / 2 } };
        }
        continue;
      }
      const candidate = this.bestSplitOn(feature, start, end, counts, best ? best.gain + 1e-12 : -Infinity);
      if (candidate && (!best || candidate.gain > best.gain + 1e-12)) best = candidate;
    }
    return best && best.gain > 1e-12 ? best : undefined;
  }

  /**
   * The gain of splitting a node of `size` rows on a two-valued column (its `slot` among them)
   * whose node counts are in `nodeTotal`; −Infinity when a side would have fewer than minSamplesLeaf.
   */
  private binaryGain(slot: number, size: number, parent: number): number {
    const { classes: k, nodeTotal: total, left, right, ones } = this;
    let leftCount = 0;
    for (let c = 0; c < k; c++) {
      left[c] = total[c] - ones[slot * k + c];
      leftCount += left[c];
    }
    const rightCount = size - leftCount;
    const minLeaf = this.params.minSamplesLeaf;
    if (leftCount < minLeaf || rightCount < minLeaf) return -Infinity;
    for (let c = 0; c < k; c++) right[c] = total[c] - left[c];
    const children = (leftCount * this.impurity(left, 0, leftCount) + rightCount * this.impurity(right, 0, rightCount)) / size;
    return (size / size) * (parent - children);
  }

  /** Per class, the node's rows at the higher value of each two-valued column (one pass over their set entries). */
  private countOnes(start: number, end: number): void {
    const k = this.classes;
    const ones = this.ones;
    ones.fill(0);
    for (let p = start; p < end; p++) {
      const row = this.order[p];
      const label = this.labels[row];
      for (let e = this.setStart[row]; e < this.setStart[row + 1]; e++) ones[this.setColumns[e] * k + label]++;
    }
  }

  /**
   * Groups the node's rows present in `feature` by value rank into `groupRanks`/`groupCounts`
   * (ranks ascending); returns the number of groups and sets `present` to the rows present. One
   * small function per way of grouping: V8 optimises each on its own feedback (one function with
   * every way deoptimised again and again on the way it had not met yet).
   */
  private groups(feature: number, start: number, end: number, nodeCounts: number[]): number {
    const grouping = this.grouping[feature];
    if (grouping === PRESORTED) return this.presortedGroups(feature, start, end);
    if (grouping === HISTOGRAM) return this.histogramGroups(feature, start, end);
    if (grouping === BINARY) return this.binaryGroups(feature, start, end, nodeCounts);
    this.present = 0;
    return 0;
  }

  /** Two-valued columns: the higher value's counts come from countOnes, the lower's by difference. */
  private binaryGroups(feature: number, start: number, end: number, nodeCounts: number[]): number {
    const k = this.classes;
    const slot = this.slot[feature];
    let groups = 0;
    let lowTotal = 0;
    for (let c = 0; c < k; c++) lowTotal += nodeCounts[c] - this.ones[slot * k + c];
    if (lowTotal > 0) {
      this.groupRanks[groups++] = 0;
      for (let c = 0; c < k; c++) this.groupCounts[c] = nodeCounts[c] - this.ones[slot * k + c];
    }
    if (lowTotal < end - start) {
      this.groupRanks[groups] = 1;
      for (let c = 0; c < k; c++) this.groupCounts[groups * k + c] = this.ones[slot * k + c];
      groups++;
    }
    this.present = end - start;
    return groups;
  }

  /** Columns of many values: one sweep of the node's rows in rank order (missing rows last). */
  private presortedGroups(feature: number, start: number, end: number): number {
    const k = this.classes;
    const ranksOut = this.groupRanks;
    const countsOut = this.groupCounts;
    const ranks = this.columns[feature].ranks;
    const sorted = this.presorted[this.slot[feature]];
    let groups = 0;
    let current = -1;
    let p = start;
    for (; p < end; p++) {
      const row = sorted[p];
      const rank = ranks[row];
      if (rank === MISSING) break;
      if (rank !== current) {
        ranksOut[groups] = current = rank;
        countsOut.fill(0, groups * k, groups * k + k);
        groups++;
      }
      countsOut[(groups - 1) * k + this.labels[row]]++;
    }
    this.present = p - start;
    return groups;
  }

  /** Groups by a histogram of ranks, or (sortedKeyGroups) by sorting rank-and-label keys when the node has fewer rows than the histogram has cells. */
  private histogramGroups(feature: number, start: number, end: number): number {
    const k = this.classes;
    const ranksOut = this.groupRanks;
    const countsOut = this.groupCounts;
    const column = this.columns[feature];
    const ranks = column.ranks;
    const distinct = column.values.length;
    if (distinct * k > 4 * (end - start)) return this.sortedKeyGroups(ranks, start, end);
    const histogram = this.histogram;
    histogram.fill(0, 0, distinct * k);
    this.present = fillHistogram(histogram, k, this.order, start, end, ranks, this.labels);
    return histogramToGroups(histogram, k, distinct, ranksOut, countsOut);
  }

  /** Groups the node's rows by sorting their rank-and-label keys (a separate function: its optimised code is not the histogram's). */
  private sortedKeyGroups(ranks: Uint32Array | Uint8Array, start: number, end: number): number {
    const k = this.classes;
    const ranksOut = this.groupRanks;
    const countsOut = this.groupCounts;
    let present = 0;
    let groups = 0;
    const keys = this.keys;
    for (let p = start; p < end; p++) {
      const row = this.order[p];
      const rank = ranks[row];
      if (rank !== MISSING) keys[present++] = rank * k + this.labels[row];
    }
    const sorted = keys.subarray(0, present).sort();
    let current = -1;
    for (let q = 0; q < present; q++) {
      const key = sorted[q];
      const rank = Math.floor(key / k);
      if (rank !== current) {
        ranksOut[groups] = current = rank;
        countsOut.fill(0, groups * k, groups * k + k);
        groups++;
      }
      countsOut[(groups - 1) * k + (key % k)]++;
    }
    this.present = present;
    return groups;
  }

  /** The best split on `feature` if its gain is above `beat` (undefined otherwise, or when none is allowed). */
  private bestSplitOn(feature: number, start: number, end: number, nodeCounts: number[], beat = -Infinity): Candidate | undefined {
    if (this.grouping[feature] === CONSTANT) return undefined;
    const column = this.columns[feature];
    const k = this.classes;
    const groupCount = this.groups(feature, start, end, nodeCounts);
    const present = this.present;
    if (groupCount < 2) return undefined;
    const counts = this.groupCounts;
    let order: number[] | undefined;
    if (column.categorical) {
      order = Array.from({ length: groupCount }, (_, g) => g);
      const target = k === 2 ? 1 : nodeCounts.indexOf(Math.max(...nodeCounts));
      const share = (g: number) => {
        let total = 0;
        for (let c = 0; c < k; c++) total += counts[g * k + c];
        return counts[g * k + target] / total;
      };
      order.sort((a, b) => share(a) - share(b) || this.groupRanks[a] - this.groupRanks[b]);
    }
    const { total, left, right } = this;
    total.fill(0);
    left.fill(0);
    for (let g = 0; g < groupCount; g++) for (let c = 0; c < k; c++) total[c] += counts[g * k + c];
    const parentImpurity = this.impurity(total, 0, present);
    const size = end - start;
    const minLeaf = this.params.minSamplesLeaf;
    let leftCount = 0;
    let bestGain = -Infinity;
    let bestPrefix = -1;
    for (let position = 0; position < groupCount - 1; position++) {
      const g = order ? order[position] : position;
      for (let c = 0; c < k; c++) {
        left[c] += counts[g * k + c];
        leftCount += counts[g * k + c];
      }
      const rightCount = present - leftCount;
      if (leftCount < minLeaf || rightCount < minLeaf) continue;
      for (let c = 0; c < k; c++) right[c] = total[c] - left[c];
      const children = (leftCount * this.impurity(left, 0, leftCount) + rightCount * this.impurity(right, 0, rightCount)) / present;
      const gain = (present / size) * (parentImpurity - children);
      if (gain > bestGain + 1e-12) {
        bestGain = gain;
        bestPrefix = position;
      }
    }
    if (bestPrefix < 0 || !(bestGain > beat)) return undefined;
    if (order) {
      const levels = order.slice(0, bestPrefix + 1).map((g) => this.groupRanks[g]).sort((a, b) => a - b);
      return { gain: bestGain, split: { kind: 'categorical', feature, left: levels } };
    }
    const low = column.values[this.groupRanks[bestPrefix]];
    const high = column.values[this.groupRanks[bestPrefix + 1]];
    return { gain: bestGain, split: { kind: 'numeric', feature, threshold: low + (high - low) / 2 } };
  }
}

/** 0, 1, …, rows − 1. */
function identity(rows: number): Uint32Array {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return order;
}

/** The entries of `ones` as binary slots (every byte-ranked column at rank 1 has two values, none missing: a binary column). */
function slotEntries(ones: OnesByRow, slot: Int32Array): Uint32Array {
  const slots = new Uint32Array(ones.entries.length);
  for (let e = 0; e < slots.length; e++) slots[e] = slot[ones.columns[ones.entries[e]]];
  return slots;
}

/** The rows in rank order, missing last (a counting sort: stable, O(rows + distinct)). */
function presort(column: Column, rows: number): Uint32Array {
  const distinct = column.values.length;
  const starts = new Uint32Array(distinct + 2);
  for (let i = 0; i < rows; i++) {
    const rank = column.ranks[i];
    starts[(rank === MISSING ? distinct : rank) + 1]++;
  }
  for (let r = 1; r <= distinct + 1; r++) starts[r] += starts[r - 1];
  const sorted = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) {
    const rank = column.ranks[i];
    sorted[starts[rank === MISSING ? distinct : rank]++] = i;
  }
  return sorted;
}

/**
 * Counts the rows `order[start…end)` present in a column by rank and label into `histogram`
 * (rank·k + label); returns how many were present. (This loop and the next are functions of their
 * own: as one, V8 compiled the first loop on the stack before the second had run, and the
 * compiled code was thrown away at the second loop on every call: ~200 times in two Adult fits.)
 */
function fillHistogram(histogram: Float64Array, k: number, order: Uint32Array, start: number, end: number, ranks: Uint32Array | Uint8Array, labels: Int32Array): number {
  let present = 0;
  for (let p = start; p < end; p++) {
    const row = order[p];
    const rank = ranks[row];
    if (rank === MISSING) continue;
    histogram[rank * k + labels[row]]++;
    present++;
  }
  return present;
}

/** The non-empty ranks of `histogram` (`distinct` ranks of k counts) into `ranksOut`/`countsOut`, ascending; returns how many. */
function histogramToGroups(histogram: Float64Array, k: number, distinct: number, ranksOut: Uint32Array, countsOut: Float64Array): number {
  let groups = 0;
  for (let rank = 0; rank < distinct; rank++) {
    let total = 0;
    for (let c = 0; c < k; c++) total += histogram[rank * k + c];
    if (total === 0) continue;
    ranksOut[groups] = rank;
    for (let c = 0; c < k; c++) countsOut[groups * k + c] = histogram[rank * k + c];
    groups++;
  }
  return groups;
}
