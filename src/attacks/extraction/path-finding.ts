/**
 * Decision-tree path finding, top-down with incomplete queries (Tramèr et al. 2016, §4.2), against
 * a BigML-style API that answers a partial row with the prediction, distribution and count at the
 * node where the row stopped — the first node on its path whose feature is missing. Each answer
 * identifies a node. Starting from the empty row (the root), the attack explores regions:
 *
 * - a column already set may be split again deeper on the path: the rows that reach one node
 *   along a column form an interval, so two queries just inside the region's interval (or one per
 *   other allowed level) tell whether it is;
 * - otherwise the row stopped at a node that splits on a missing column, or at a leaf: one probe
 *   per missing column (any value) changes the answer exactly for the node's own column;
 * - the splitting column is then located: numeric thresholds by binary search to ε between
 *   points with different answers, categorical levels queried one by one and grouped by answer
 *   (set splitting).
 *
 * A region where nothing changes the answer is a leaf. The regions are rebuilt into a tree that
 * answers every complete row as the target does, with the counts the API revealed.
 */

import type { ParamSpecs } from '../../models/params.ts';
import { DecisionTree, type TreeNode } from '../../models/tree/decision-tree.ts';
import type { LeafAnswer, Oracle } from '../../oracle/types.ts';
import type { Attack } from '../types.ts';
import { basicPathFinding } from './path-finding-basic.ts';
import { ask, countsOf, identity, treeColumns, withValue, type Column } from './tree-queries.ts';

/** Parameters of path finding. */
export const PATH_FINDING_PARAMS = {
  variant: {
    type: 'choice',
    values: ['top-down', 'basic'] as const,
    default: 'top-down',
    doc: 'top-down: partial rows from the empty row down (BigML); basic: complete rows only, leaf boxes cut back into a tree',
  },
  epsilon: { type: 'number', default: 1e-3, above: 0, max: 0.5, doc: 'numeric thresholds are located to this share of the feature range' },
  maxDepth: { type: 'number', default: 64, min: 1, integer: true, doc: 'deepest region explored' },
} satisfies ParamSpecs;

/** What path finding returns. */
export interface PathFindingOutcome {
  surrogate: DecisionTree;
  leaves: number;
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

/** Where the answer changes along one column within the region (the region's own answer is `here`). */
async function scan(oracle: Oracle, region: Region, here: LeafAnswer, column: number, spec: Column, epsilon: number): Promise<Segment[]> {
  const missing = Number.isNaN(region.row[column]);
  if (spec.categorical) {
    const levels = region.allowed[column] ?? Array.from({ length: spec.levels }, (_, level) => level);
    if (levels.length < 2) return [];
    // Top-down probe: a missing column that the answering node does not split on changes nothing.
    const probe = missing ? (await ask(oracle, [withValue(region.row, column, levels[0])]))[0] : undefined;
    if (probe && identity(probe) === identity(here)) return [];
    const known = new Map<number, LeafAnswer>(probe ? [[levels[0], probe]] : [[region.row[column], here]]);
    const rest = levels.filter((level) => !known.has(level));
    const answers = await ask(oracle, rest.map((level) => withValue(region.row, column, level)));
    rest.forEach((level, k) => known.set(level, answers[k]));
    const groups = new Map<string, Segment>();
    for (const level of levels) {
      const answer = known.get(level)!;
      const group = groups.get(identity(answer));
      if (group) group.levels.push(level);
      else groups.set(identity(answer), { value: level, lo: level, hi: level, levels: [level], answer });
    }
    return groups.size < 2 ? [] : [...groups.values()];
  }
  const tolerance = epsilon * (spec.max - spec.min || 1);
  // A set column's interval ends within ε/2 of a located threshold: look just inside it.
  const lo = missing ? spec.min : region.lo[column] + tolerance;
  const hi = missing ? spec.max : region.hi[column] - tolerance;
  if (!(hi - lo > tolerance)) return [];
  let points: { value: number; answer: LeafAnswer }[];
  if (missing) {
    const middle = (lo + hi) / 2;
    const [probe] = await ask(oracle, [withValue(region.row, column, middle)]);
    if (identity(probe) === identity(here)) return [];
    const [low, high] = await ask(oracle, [withValue(region.row, column, lo), withValue(region.row, column, hi)]);
    points = [{ value: lo, answer: low }, { value: middle, answer: probe }, { value: hi, answer: high }];
  } else {
    // The rows reaching one node along a column form an interval, so equal answers at both ends
    // of the region's interval and at its representative value mean no split in between.
    const [low, high] = await ask(oracle, [withValue(region.row, column, lo), withValue(region.row, column, hi)]);
    if (identity(low) === identity(here) && identity(high) === identity(here)) return [];
    const value = Math.min(hi, Math.max(lo, region.row[column]));
    points = [{ value: lo, answer: low }, { value, answer: here }, { value: hi, answer: high }];
  }
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
  for (let k = 0; k + 1 < points.length; k++) await locate(points[k].value, points[k].answer, points[k + 1].value, points[k + 1].answer);
  const end = missing ? spec.max : region.hi[column];
  const segments: Segment[] = [];
  let start = missing ? spec.min : region.lo[column];
  let answer = points[0].answer;
  for (const change of breaks) {
    segments.push({ value: (start + change.threshold) / 2, lo: start, hi: change.threshold, levels: [], answer });
    start = change.threshold;
    answer = change.rightAnswer;
  }
  segments.push({ value: (start + end) / 2, lo: start, hi: end, levels: [], answer });
  return segments;
}

/** Path-finding extraction of a decision tree from BigML-style answers. */
export const pathFinding: Attack<typeof PATH_FINDING_PARAMS, PathFindingOutcome> = {
  name: 'path-finding',
  family: 'extraction',
  needs: ['leaf'],
  reference: 'Tramèr et al. 2016, §4.2 (decision trees: top-down path finding with incomplete queries, and Algorithm 1 with complete ones)',
  params: PATH_FINDING_PARAMS,
  async run({ oracle, rng, progress }, params) {
    if (params.variant === 'basic') return basicPathFinding(oracle, rng, params.epsilon, progress);
    const info = oracle.info;
    const columns = treeColumns(info);
    const classes = info.classes.length;
    const nodes: TreeNode[] = [];
    let leaves = 0;
    progress.start('path finding (leaves)', 0);

    const explore = async (region: Region, answer: LeafAnswer, depth: number): Promise<number> => {
      const id = nodes.length;
      nodes.push({ id, depth, counts: countsOf(answer) });
      if (depth < params.maxDepth) {
        // Set columns first (a deeper split on a feature already on the path), then missing ones.
        const order = columns.map((_, k) => k).sort((a, b) => Number(Number.isNaN(region.row[a])) - Number(Number.isNaN(region.row[b])));
        for (const k of order) {
          const segments = await scan(oracle, region, answer, k, columns[k], params.epsilon);
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
