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
 * others with a histogram, or a sort in nodes smaller than the histogram. These row loops and the
 * scan of candidate splits run in WebAssembly (math/wasm/cart.wat) over arrays laid out in its
 * memory: compiled before the first fit, where V8 ran the root node's loops uncompiled.
 */

import { ValidationError } from '../../errors.ts';
import type { ClassificationDataset, Dataset } from '../../data/dataset.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import type { Rng } from '../../random.ts';
import { resolveParams, type ParamSpecs, type ParamValues } from '../params.ts';
import type { Trainer } from '../types.ts';
import { checkTrainingShape, requireClassification } from '../validate.ts';
import { buildColumns, MISSING, type Column, type OnesByRow } from './cart-columns.ts';
import { byteLayout } from '../../math/wasm/memory.ts';
import { cartKernel, type CartExports } from '../../math/wasm/cart-kernel.ts';
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

/** Byte offsets of the Builder's arrays in the kernel's memory (cart-kernel.ts). */
interface Offsets {
  labels: number;
  order: number;
  goesRight: number;
  scratch: number;
  setStart: number;
  setSlots: number;
  ones: number;
  histogram: number;
  groupRanks: number;
  groupCounts: number;
  /** Per level of the split's categorical column, 1 where it goes left. */
  table: number;
  /** The node's class counts as the kernel writes them. */
  classCounts: number;
  /** The node's class counts as bestSplit gives them to binaryGains. */
  nodeTotal: number;
  /** Per binary slot, the gain of splitting on it (binaryGains). */
  gains: number;
  /** The order in which bestPrefix takes a categorical column's groups. */
  groupOrder: number;
  /** 3k f64 the scoring works in. */
  scoring: number;
  /** Per presorted column (by slot), its rows in rank order within each segment. */
  presorted: number[];
  /**
   * Per column, its ranks (u32; a byte-ranked column's widened: those reach the kernel only when a
   * test turns the set entries off); 0 for a constant or binary column (the set entries hold a binary column's).
   */
  ranks: number[];
}

class Builder {
  private readonly labels: Int32Array;
  private readonly classes: number;
  private readonly columns: Column[];
  private readonly params: TreeParams;
  /** 1 for the entropy criterion, 0 for Gini (the kernel's flag). */
  private readonly entropy: number;
  private readonly onLeaf: (rows: number) => void;
  /** Per column CONSTANT, BINARY, PRESORTED or HISTOGRAM. */
  private readonly grouping: Uint8Array;
  /** Per column its slot among the binary columns (Binary) or the presorted ones (Presorted). */
  private readonly slot: Int32Array;
  /** The row loops, over arrays laid out in their memory at `at`. */
  private readonly kernel: CartExports;
  private readonly at: Offsets;
  /** The rows of the node being grown are `order[start…end)`; children split the segment. */
  private readonly order: Uint32Array;
  /**
   * Per row the two-valued columns at their higher value (their slots): a node counts those
   * columns in one pass over its rows' few set entries instead of one pass per column. `ones`:
   * per slot and class, the node's rows at the higher value.
   */
  private readonly ones: Float64Array;
  /** The groups of the column being scored: ranks ascending and class counts per group. */
  private readonly groupRanks: Uint32Array;
  private readonly groupCounts: Float64Array;
  private readonly table: Uint8Array;
  private readonly classCounts: Float64Array;
  private readonly nodeTotal: Float64Array;
  private readonly gains: Float64Array;
  private readonly groupOrder: Int32Array;
  private readonly keys: Uint32Array;
  /** Rows present (not missing) in the column last grouped. */
  private present = 0;

  constructor(data: ClassificationDataset, params: TreeParams, onLeaf: (rows: number) => void, options: Required<GroupingOptions>) {
    this.onLeaf = onLeaf;
    const k = (this.classes = data.classes.length);
    this.params = params;
    this.entropy = params.criterion === 'entropy' ? 1 : 0;
    const built = buildColumns(data, 'tree', { byteRanks: !options.sparseBinary });
    const columns = built.columns;
    if (params.sensitiveFeature >= columns.length) {
      throw new ValidationError('invalid tree parameters', [
        { path: 'sensitiveFeature', message: `column ${params.sensitiveFeature} does not exist; the data has columns 0…${columns.length - 1}` },
      ]);
    }
    const rows = data.features.rows;
    this.keys = new Uint32Array(rows);
    this.slot = new Int32Array(columns.length).fill(-1);
    let binaries = 0;
    let presorts = 0;
    let largestGroups = 2;
    let largestHistogram = 0;
    let largestLevels = 0;
    this.grouping = Uint8Array.from(columns, (column, j) => {
      const distinct = column.values.length;
      if (distinct < 2) return CONSTANT;
      largestGroups = Math.max(largestGroups, Math.min(distinct, rows));
      if (column.categorical) largestLevels = Math.max(largestLevels, distinct);
      if (options.sparseBinary && !column.categorical && distinct === 2 && column.missing === 0) {
        this.slot[j] = binaries++;
        return BINARY;
      }
      if (distinct > options.presortAbove) {
        this.slot[j] = presorts++;
        return PRESORTED;
      }
      largestHistogram = Math.max(largestHistogram, distinct);
      return HISTOGRAM;
    });
    // Every array the row loops touch, in the kernel's memory (the first 16 bytes unused: offset 0 means "none").
    const layout = byteLayout();
    layout.take(16);
    const entries = binaries > 0 ? built.ones.entries.length : 0;
    const at: Offsets = {
      labels: layout.take(4 * rows),
      order: layout.take(4 * rows),
      goesRight: layout.take(rows),
      scratch: layout.take(4 * rows),
      setStart: layout.take(4 * (rows + 1)),
      setSlots: layout.take(4 * entries),
      ones: layout.take(8 * binaries * k),
      histogram: layout.take(8 * largestHistogram * k),
      groupRanks: layout.take(4 * largestGroups),
      groupCounts: layout.take(8 * largestGroups * k),
      table: layout.take(largestLevels),
      classCounts: layout.take(8 * k),
      nodeTotal: layout.take(8 * k),
      gains: layout.take(8 * binaries),
      groupOrder: layout.take(4 * largestGroups),
      scoring: layout.take(8 * 3 * k),
      presorted: Array.from({ length: presorts }, () => layout.take(4 * rows)),
      ranks: columns.map((column, j) => (this.grouping[j] === CONSTANT || this.grouping[j] === BINARY ? 0 : layout.take(4 * rows))),
    };
    const { exports, buffer } = cartKernel(layout.end());
    this.kernel = exports;
    this.at = at;
    this.labels = new Int32Array(buffer, at.labels, rows);
    this.labels.set(data.labels);
    this.order = new Uint32Array(buffer, at.order, rows);
    for (let i = 0; i < rows; i++) this.order[i] = i;
    // The columns' ranks move into the kernel's memory (the copies made by buildColumns are dropped with this fit's start).
    this.columns = columns.map((column, j) => {
      if (at.ranks[j] === 0) return column;
      const ranks = new Uint32Array(buffer, at.ranks[j], rows);
      ranks.set(column.ranks);
      return { ...column, ranks };
    });
    this.columns.forEach((column, j) => {
      if (this.grouping[j] === PRESORTED) presort(column, new Uint32Array(buffer, at.presorted[this.slot[j]], rows));
    });
    this.groupRanks = new Uint32Array(buffer, at.groupRanks, largestGroups);
    this.groupCounts = new Float64Array(buffer, at.groupCounts, largestGroups * k);
    this.table = new Uint8Array(buffer, at.table, largestLevels);
    this.classCounts = new Float64Array(buffer, at.classCounts, k);
    this.nodeTotal = new Float64Array(buffer, at.nodeTotal, k);
    this.gains = new Float64Array(buffer, at.gains, binaries);
    this.groupOrder = new Int32Array(buffer, at.groupOrder, largestGroups);
    // The rows' set entries came with the columns (byte-ranked columns); as binary slots.
    this.ones = new Float64Array(buffer, at.ones, binaries * k);
    if (binaries > 0) {
      new Uint32Array(buffer, at.setStart, rows + 1).set(built.ones.start);
      slotEntries(built.ones, this.slot, new Uint32Array(buffer, at.setSlots, entries));
    }
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
      this.kernel.classCounts(this.at.order, start, end, this.at.labels, this.at.classCounts, this.classes);
      const nodeCounts = Array.from(this.classCounts);
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
    const { kernel, at } = this;
    const ranks = at.ranks[split.feature];
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
    let leftCount: number;
    let rightCount: number;
    if (this.grouping[split.feature] === BINARY) {
      // Rows holding the column's slot among their set entries go right.
      rightCount = kernel.sidesOfSlot(at.order, start, end, at.setStart, at.setSlots, this.slot[split.feature], at.goesRight);
      leftCount = end - start - rightCount;
    } else {
      let table = 0;
      if (split.kind === 'categorical') {
        this.table.fill(0, 0, column.values.length);
        for (const level of split.left) this.table[level] = 1;
        table = at.table;
      }
      leftCount = kernel.sidesOfRanks(at.order, start, end, ranks, cut, table, at.goesRight);
      rightCount = kernel.second.value;
    }
    const missing = end - start - leftCount - rightCount;
    if (missing > 0) {
      const side = leftCount >= rightCount ? 0 : 1;
      kernel.settleMissing(at.order, start, end, at.goesRight, side);
      if (side === 0) leftCount += missing;
    }
    kernel.splitSegment(at.order, start, end, at.goesRight, at.scratch);
    for (const rows of at.presorted) kernel.splitSegment(rows, start, end, at.goesRight, at.scratch);
    return leftCount;
  }

  private bestSplit(start: number, end: number, counts: number[], depth: number): Candidate | undefined {
    if (this.ones.length > 0) {
      const at = this.at;
      this.kernel.countOnes(at.order, start, end, at.labels, at.setStart, at.setSlots, at.ones, this.classes, this.ones.length);
      for (let c = 0; c < this.classes; c++) this.nodeTotal[c] = counts[c];
      this.kernel.binaryGains(at.ones, this.gains.length, this.classes, at.nodeTotal, end - start, this.params.minSamplesLeaf, at.scoring, at.gains, this.entropy);
    }
    const sensitive = this.params.sensitiveFeature;
    if (sensitive >= 0 && depth === this.params.sensitiveDepth) {
      const forced = this.bestSplitOn(sensitive, start, end, counts);
      if (forced && forced.gain > 1e-12) return forced;
    }
    let best: Candidate | undefined;
    for (let feature = 0; feature < this.columns.length; feature++) {
      if (feature === sensitive) continue;
      if (this.grouping[feature] === BINARY) {
        // Scored by binaryGains above: the same sums as bestSplitOn's, in the same order.
        const gain = this.gains[this.slot[feature]];
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
    const at = this.at;
    const groups = this.kernel.presortedGroups(at.presorted[this.slot[feature]], start, end, at.ranks[feature], at.labels, this.classes, at.groupRanks, at.groupCounts);
    this.present = this.kernel.second.value;
    return groups;
  }

  /** Groups by a histogram of ranks, or (sortedKeyGroups) by sorting rank-and-label keys when the node has fewer rows than the histogram has cells. */
  private histogramGroups(feature: number, start: number, end: number): number {
    const k = this.classes;
    const column = this.columns[feature];
    const distinct = column.values.length;
    if (distinct * k > 4 * (end - start)) return this.sortedKeyGroups(column.ranks, start, end);
    const { kernel, at } = this;
    this.present = kernel.fillHistogram(at.histogram, distinct * k, k, at.order, start, end, at.ranks[feature], at.labels);
    return kernel.histogramToGroups(at.histogram, k, distinct, at.groupRanks, at.groupCounts);
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
    if (order) this.groupOrder.set(order);
    const at = this.at;
    const bestPrefix = this.kernel.bestPrefix(at.groupCounts, groupCount, order ? at.groupOrder : 0, k, present, end - start, this.params.minSamplesLeaf, at.scoring, this.entropy);
    const bestGain = this.kernel.bestGain.value;
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

/** Writes the entries of `ones` as binary slots into `slots` (every byte-ranked column at rank 1 has two values, none missing: a binary column). */
function slotEntries(ones: OnesByRow, slot: Int32Array, slots: Uint32Array): void {
  for (let e = 0; e < slots.length; e++) slots[e] = slot[ones.columns[ones.entries[e]]];
}

/** Writes the rows in rank order, missing last, into `sorted` (a counting sort: stable, O(rows + distinct)). */
function presort(column: Column, sorted: Uint32Array): void {
  const rows = sorted.length;
  const distinct = column.values.length;
  const starts = new Uint32Array(distinct + 2);
  for (let i = 0; i < rows; i++) {
    const rank = column.ranks[i];
    starts[(rank === MISSING ? distinct : rank) + 1]++;
  }
  for (let r = 1; r <= distinct + 1; r++) starts[r] += starts[r - 1];
  for (let i = 0; i < rows; i++) {
    const rank = column.ranks[i];
    sorted[starts[rank === MISSING ? distinct : rank]++] = i;
  }
}
