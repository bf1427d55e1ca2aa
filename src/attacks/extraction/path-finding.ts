/**
 * Decision-tree path finding (Tramèr et al. 2016, §4.2) against a BigML-style API that answers
 * partial rows with the prediction, distribution and count at the node where the row stopped.
 * Each answer identifies a node. Starting from the empty row (the root), the attack explores
 * regions of the input space: in a region it varies one column at a time — a column already set
 * within its interval, or a missing column over its whole domain — and watches the answer.
 * Numeric columns are sampled on a grid and the changes located by binary search to ε;
 * categorical columns are queried level by level and the levels grouped by answer (set
 * splitting). A column along which the answer changes splits the region; a region where no
 * column changes it is a leaf. The regions are rebuilt into a tree that answers every complete
 * row as the target does, with the counts the API revealed.
 */

import { columnLayout } from '../../data/schema.ts';
import { createMatrix } from '../../math/matrix.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { DecisionTree, type TreeNode } from '../../models/tree/decision-tree.ts';
import type { LeafAnswer, Oracle } from '../../oracle/types.ts';
import type { Attack } from '../types.ts';

/** Parameters of path finding. */
export const PATH_FINDING_PARAMS = {
  epsilon: { type: 'number', default: 1e-3, above: 0, max: 0.5, doc: 'numeric thresholds are located to this share of the feature range' },
  grid: { type: 'number', default: 8, min: 2, integer: true, doc: 'initial samples of a numeric column before binary search' },
  maxDepth: { type: 'number', default: 64, min: 1, integer: true, doc: 'deepest region explored' },
} satisfies ParamSpecs;

/** What path finding returns. */
export interface PathFindingOutcome {
  surrogate: DecisionTree;
  leaves: number;
}

interface Column {
  categorical: boolean;
  min: number;
  max: number;
  levels: number;
}

interface Region {
  /** The representative partial row (NaN: missing). */
  row: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  /** Allowed levels of categorical columns (undefined: all). */
  allowed: (number[] | undefined)[];
}

interface Segment {
  value: number;
  /** Numeric: the segment's interval; categorical: its levels. */
  lo: number;
  hi: number;
  levels: number[];
  answer: LeafAnswer;
}

const identity = (answer: LeafAnswer) => `${answer.label}|${answer.count}|${answer.probabilities.join(',')}`;

async function ask(oracle: Oracle, rows: Float64Array[]): Promise<LeafAnswer[]> {
  const cols = rows[0].length;
  const matrix = createMatrix(rows.length, cols);
  rows.forEach((row, i) => matrix.data.set(row, i * cols));
  return (await oracle.query(matrix)) as LeafAnswer[];
}

function withValue(row: Float64Array, column: number, value: number): Float64Array {
  const copy = Float64Array.from(row);
  copy[column] = value;
  return copy;
}

/** Where the answer changes along one column within the region. */
async function scan(oracle: Oracle, region: Region, column: number, spec: Column, grid: number, epsilon: number): Promise<Segment[]> {
  if (spec.categorical) {
    const levels = region.allowed[column] ?? Array.from({ length: spec.levels }, (_, level) => level);
    if (levels.length < 2) return [];
    const answers = await ask(oracle, levels.map((level) => withValue(region.row, column, level)));
    const groups = new Map<string, Segment>();
    levels.forEach((level, k) => {
      const key = identity(answers[k]);
      const group = groups.get(key);
      if (group) group.levels.push(level);
      else groups.set(key, { value: level, lo: level, hi: level, levels: [level], answer: answers[k] });
    });
    return [...groups.values()];
  }
  const lo = Number.isNaN(region.row[column]) ? spec.min : region.lo[column];
  const hi = Number.isNaN(region.row[column]) ? spec.max : region.hi[column];
  const tolerance = epsilon * (spec.max - spec.min || 1);
  if (!(hi - lo > 2 * tolerance)) return [];
  // A column already on the path is rescanned only within its (narrower) interval: a coarser grid.
  const cells = Number.isNaN(region.row[column]) ? grid : Math.max(2, Math.ceil(grid / 2));
  const points = Array.from({ length: cells + 1 }, (_, k) => lo + ((hi - lo) * k) / cells);
  const answers = await ask(oracle, points.map((value) => withValue(region.row, column, value)));
  const breaks: { threshold: number; rightAnswer: LeafAnswer }[] = [];
  // Every change between two points with different answers, by binary search to the tolerance.
  const locate = async (left: number, leftAnswer: LeafAnswer, right: number, rightAnswer: LeafAnswer): Promise<void> => {
    if (identity(leftAnswer) === identity(rightAnswer)) return;
    if (right - left <= tolerance) {
      breaks.push({ threshold: (left + right) / 2, rightAnswer });
      return;
    }
    const middle = (left + right) / 2;
    const [answer] = await ask(oracle, [withValue(region.row, column, middle)]);
    await locate(left, leftAnswer, middle, answer);
    await locate(middle, answer, right, rightAnswer);
  };
  for (let k = 0; k < cells; k++) await locate(points[k], answers[k], points[k + 1], answers[k + 1]);
  if (breaks.length === 0) return [{ value: region.row[column], lo, hi, levels: [], answer: answers[0] }];
  const segments: Segment[] = [];
  let start = lo;
  let answer = answers[0];
  for (const change of breaks) {
    const threshold = change.threshold;
    segments.push({ value: (start + threshold) / 2, lo: start, hi: threshold, levels: [], answer });
    start = threshold;
    answer = change.rightAnswer;
  }
  segments.push({ value: (start + hi) / 2, lo: start, hi, levels: [], answer });
  return segments;
}

/** Path-finding extraction of a decision tree from BigML-style answers. */
export const pathFinding: Attack<typeof PATH_FINDING_PARAMS, PathFindingOutcome> = {
  name: 'path-finding',
  family: 'extraction',
  needs: ['leaf'],
  reference: 'Tramèr et al. 2016, §4.2 (decision trees: path finding with incomplete queries)',
  params: PATH_FINDING_PARAMS,
  async run({ oracle, progress }, params) {
    const info = oracle.info;
    const columns: Column[] = [];
    for (const { feature } of columnLayout(info.schema)) {
      if (feature.kind === 'numeric') columns.push({ categorical: false, min: feature.min, max: feature.max, levels: 0 });
      else if (feature.encoding === 'ordinal') columns.push({ categorical: true, min: 0, max: feature.levels.length - 1, levels: feature.levels.length });
      else for (let l = 0; l < feature.levels.length; l++) columns.push({ categorical: false, min: 0, max: 1, levels: 0 });
    }
    const classes = info.classes.length;
    const nodes: TreeNode[] = [];
    const countsOf = (answer: LeafAnswer) => answer.probabilities.map((p) => Math.round(p * answer.count));
    let leaves = 0;
    progress.start('path finding (leaves)', 0);

    const explore = async (region: Region, answer: LeafAnswer, depth: number): Promise<number> => {
      const id = nodes.length;
      nodes.push({ id, depth, counts: countsOf(answer) });
      if (depth < params.maxDepth) {
        // Set columns first (a deeper split on a feature already on the path), then missing ones.
        const order = columns.map((_, k) => k).sort((a, b) => Number(Number.isNaN(region.row[a])) - Number(Number.isNaN(region.row[b])));
        for (const k of order) {
          const segments = await scan(oracle, region, k, columns[k], params.grid, params.epsilon);
          if (segments.length < 2) continue;
          return attachCascade(id, region, k, segments, depth);
        }
      }
      leaves++;
      progress.tick();
      return id;
    };

    const childRegion = (region: Region, k: number, segment: Segment): Region => {
      const child: Region = { row: withValue(region.row, k, segment.value), lo: Float64Array.from(region.lo), hi: Float64Array.from(region.hi), allowed: region.allowed.slice() };
      if (columns[k].categorical) child.allowed[k] = segment.levels;
      else {
        child.lo[k] = segment.lo;
        child.hi[k] = segment.hi;
      }
      return child;
    };

    // A node splitting on k into several segments becomes a cascade of binary splits.
    const attachCascade = async (id: number, region: Region, k: number, segments: Segment[], depth: number): Promise<number> => {
      let current = id;
      for (let s = 0; s < segments.length - 1; s++) {
        const left = await explore(childRegion(region, k, segments[s]), segments[s].answer, depth + 1 + s);
        const last = s === segments.length - 2;
        const right = last ? await explore(childRegion(region, k, segments[s + 1]), segments[s + 1].answer, depth + 1 + s) : nodes.length;
        if (!last) nodes.push({ id: right, depth: depth + 1 + s, counts: new Array(classes).fill(0) });
        nodes[current].split = columns[k].categorical
          ? { kind: 'categorical', feature: k, left: [...segments[s].levels].sort((a, b) => a - b) }
          : { kind: 'numeric', feature: k, threshold: segments[s].hi };
        nodes[current].left = left;
        nodes[current].right = right;
        current = right;
      }
      // Cascade nodes hold the counts of what lies below them.
      fillCascadeCounts(id);
      return id;
    };

    const fillCascadeCounts = (id: number): number[] => {
      const node = nodes[id];
      if (!node.split) return node.counts;
      if (node.counts.some((c) => c > 0)) return node.counts;
      const [left, right] = [fillCascadeCounts(node.left!), fillCascadeCounts(node.right!)];
      node.counts = left.map((count, c) => count + right[c]);
      return node.counts;
    };

    const [root] = await ask(oracle, [new Float64Array(info.inputSize).fill(NaN)]);
    const start: Region = {
      row: new Float64Array(info.inputSize).fill(NaN),
      lo: Float64Array.from(columns, (c) => c.min),
      hi: Float64Array.from(columns, (c) => c.max),
      allowed: columns.map(() => undefined),
    };
    await explore(start, root, 0);
    progress.done();
    const surrogate = new DecisionTree({ classes: info.classes, schema: info.schema, inputSize: info.inputSize, nodes, params: { extractedBy: 'path-finding' } });
    return { surrogate, leaves };
  },
};
