/**
 * Decision-tree path finding with complete queries only (Tramèr et al. 2016, §4.2, Algorithm 1):
 * for an API that refuses rows with missing features but still answers with a leaf identifier
 * (BigML's prediction, distribution and count). From a random row, the attack measures the
 * leaf's box: along each numeric column a binary search to ε on either side of the row, along
 * each categorical column every other level; each point found beyond a face belongs to another
 * leaf and joins the queue; when it runs dry, rounds of 50 uniform rows look for leaves no face
 * led to (Algorithm 1 starts from random rows too). When a round finds no unseen leaf, the boxes
 * (a partition of the domain, since a tree's leaves are boxes) are cut back into a tree: a cut is
 * a box face that no box straddles — the target's own root split is one. Two alike leaves side by
 * side (pure leaves of equal size) are measured as one longer box, which may overlap others:
 * then the cut straddling fewest boxes is taken, and where boxes still overlap the most specific
 * one answers.
 */

import type { Progress } from '../../progress.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { DecisionTree, type TreeNode } from '../../models/tree/decision-tree.ts';
import type { LeafAnswer, Oracle } from '../../oracle/types.ts';
import type { Rng } from '../../random.ts';
import { ask, countsOf, identity, treeColumns, withValue, type Column } from './tree-queries.ts';

/** Uniform rows per probing round, once the queue is empty. */
const PROBES = 50;

/** A leaf as measured: its box and its answer. */
interface Box {
  lo: Float64Array;
  hi: Float64Array;
  /** Levels of categorical columns that reach this leaf. */
  allowed: (number[] | undefined)[];
  answer: LeafAnswer;
}

interface Pending {
  row: Float64Array;
  answer?: LeafAnswer;
}

/** Whether `row` lies in `box` (numeric faces are known to ε). */
function contains(box: Box, row: Float64Array, columns: Column[], epsilon: number): boolean {
  return columns.every((column, k) => {
    if (column.categorical) return box.allowed[k]!.includes(row[k]);
    const tolerance = epsilon * (column.max - column.min || 1);
    return row[k] >= box.lo[k] - tolerance && row[k] <= box.hi[k] + tolerance;
  });
}

/** Measures the box of the leaf that `row` reaches; rows of neighbouring leaves are queued. */
async function measureBox(oracle: Oracle, columns: Column[], row: Float64Array, answer: LeafAnswer, epsilon: number, queue: Pending[]): Promise<Box> {
  const key = identity(answer);
  const box: Box = { lo: Float64Array.from(columns, (c) => c.min), hi: Float64Array.from(columns, (c) => c.max), allowed: columns.map(() => undefined), answer };
  for (let k = 0; k < columns.length; k++) {
    const column = columns[k];
    if (column.categorical) {
      const others = Array.from({ length: column.levels }, (_, level) => level).filter((level) => level !== row[k]);
      const answers = await ask(oracle, others.map((level) => withValue(row, k, level)));
      box.allowed[k] = [row[k], ...others.filter((_, i) => identity(answers[i]) === key)].sort((a, b) => a - b);
      others.forEach((level, i) => {
        if (identity(answers[i]) !== key) queue.push({ row: withValue(row, k, level), answer: answers[i] });
      });
      continue;
    }
    const tolerance = epsilon * (column.max - column.min || 1);
    for (const end of [column.min, column.max]) {
      if (Math.abs(end - row[k]) <= tolerance) continue;
      const [atEnd] = await ask(oracle, [withValue(row, k, end)]);
      if (identity(atEnd) === key) continue;
      queue.push({ row: withValue(row, k, end), answer: atEnd });
      // The leaf's rows along a column form an interval: binary search for its face.
      let inside = row[k];
      let outside = end;
      let outsideAnswer = atEnd;
      while (Math.abs(outside - inside) > tolerance) {
        const middle = (inside + outside) / 2;
        const [answerThere] = await ask(oracle, [withValue(row, k, middle)]);
        if (identity(answerThere) === key) inside = middle;
        else {
          outside = middle;
          outsideAnswer = answerThere;
        }
      }
      queue.push({ row: withValue(row, k, outside), answer: outsideAnswer });
      if (end === column.min) box.lo[k] = (inside + outside) / 2;
      else box.hi[k] = (inside + outside) / 2;
    }
  }
  return box;
}

/** A cut of a region: numeric threshold (≤ goes left) or the levels that go left. */
interface Cut {
  column: number;
  threshold?: number;
  left?: number[];
  straddling: number;
  balance: number;
}

/** Share of the domain a box covers (the most specific box wins where boxes overlap). */
function volume(box: Box, columns: Column[]): number {
  return columns.reduce((product, column, k) => product * (column.categorical ? box.allowed[k]!.length / column.levels : (box.hi[k] - box.lo[k]) / (column.max - column.min || 1)), 1);
}

/**
 * The best cut of `region` between box faces: fewest boxes straddling it (none, when the boxes
 * came from one tree's leaves), then the most balanced. Undefined when no face lies inside.
 */
function bestCut(boxes: Box[], region: Box, columns: Column[], epsilon: number): Cut | undefined {
  let best: Cut | undefined;
  const consider = (cut: Cut) => {
    if (cut.balance === 0) return;
    if (!best || cut.straddling < best.straddling || (cut.straddling === best.straddling && cut.balance > best.balance)) best = cut;
  };
  columns.forEach((column, k) => {
    if (column.categorical) {
      const levels = region.allowed[k]!;
      for (const box of boxes) {
        const left = levels.filter((level) => box.allowed[k]!.includes(level));
        if (left.length === 0 || left.length === levels.length) continue;
        let lefts = 0;
        let rights = 0;
        let straddling = 0;
        for (const other of boxes) {
          const inLeft = other.allowed[k]!.some((level) => left.includes(level));
          const inRight = other.allowed[k]!.some((level) => levels.includes(level) && !left.includes(level));
          if (inLeft && inRight) straddling++;
          else if (inLeft) lefts++;
          else rights++;
        }
        consider({ column: k, left, straddling, balance: Math.min(lefts, rights) });
      }
      return;
    }
    const tolerance = epsilon * (column.max - column.min || 1);
    const faces = new Set(boxes.flatMap((box) => [box.lo[k], box.hi[k]]).filter((t) => t > region.lo[k] + tolerance && t < region.hi[k] - tolerance));
    for (const threshold of faces) {
      let lefts = 0;
      let rights = 0;
      let straddling = 0;
      for (const box of boxes) {
        if (box.hi[k] <= threshold + tolerance) lefts++;
        else if (box.lo[k] >= threshold - tolerance) rights++;
        else straddling++;
      }
      consider({ column: k, threshold, straddling, balance: Math.min(lefts, rights) });
    }
  });
  return best;
}

/** The part of `box` on one side of a cut, or undefined when it has none there. */
function clip(box: Box, cut: Cut, side: 'left' | 'right', columns: Column[], epsilon: number): Box | undefined {
  const k = cut.column;
  const copy: Box = { lo: Float64Array.from(box.lo), hi: Float64Array.from(box.hi), allowed: box.allowed.slice(), answer: box.answer };
  if (cut.threshold === undefined) {
    copy.allowed[k] = box.allowed[k]!.filter((level) => cut.left!.includes(level) === (side === 'left'));
    return copy.allowed[k]!.length > 0 ? copy : undefined;
  }
  const tolerance = epsilon * (columns[k].max - columns[k].min || 1);
  if (side === 'left') copy.hi[k] = Math.min(box.hi[k], cut.threshold);
  else copy.lo[k] = Math.max(box.lo[k], cut.threshold);
  return copy.hi[k] - copy.lo[k] > tolerance ? copy : undefined;
}

/** Path finding from complete rows: the tree and the number of leaves measured. */
export async function basicPathFinding(oracle: Oracle, rng: Rng, epsilon: number, progress: Progress): Promise<{ surrogate: DecisionTree; leaves: number }> {
  const info = oracle.info;
  const columns = treeColumns(info);
  const start = uniformRows(info.schema, 1, rng).data;
  const queue: Pending[] = [{ row: Float64Array.from(start) }];
  // Two leaves may answer alike (pure leaves of equal size): a known answer is a known leaf only
  // when the row lies in that leaf's box.
  const boxes: Box[] = [];
  const known = (row: Float64Array, answer: LeafAnswer) => boxes.some((box) => identity(box.answer) === identity(answer) && contains(box, row, columns, epsilon));
  progress.start('path finding, complete queries (leaves)', 0);
  for (;;) {
    if (queue.length === 0) {
      // Leaves no face led to: probe uniform rows until a round of probes finds none.
      const probes = uniformRows(info.schema, PROBES, rng);
      const answers = await ask(oracle, Array.from({ length: PROBES }, (_, i) => probes.data.slice(i * info.inputSize, (i + 1) * info.inputSize)));
      answers.forEach((answer, i) => {
        const row = probes.data.slice(i * info.inputSize, (i + 1) * info.inputSize);
        if (!known(row, answer)) queue.push({ row, answer });
      });
      if (queue.length === 0) break;
    }
    const pending = queue.shift()!;
    const answer = pending.answer ?? (await ask(oracle, [pending.row]))[0];
    if (known(pending.row, answer)) continue;
    boxes.push(await measureBox(oracle, columns, pending.row, answer, epsilon, queue));
    progress.tick();
  }
  progress.done();

  const nodes: TreeNode[] = [];
  const build = (group: Box[], region: Box, depth: number): number => {
    const id = nodes.length;
    const node: TreeNode = { id, depth, counts: new Array(info.classes.length).fill(0) };
    nodes.push(node);
    const cut = new Set(group.map((box) => identity(box.answer))).size > 1 ? bestCut(group, region, columns, epsilon) : undefined;
    if (!cut) {
      // One answer here, or overlapping boxes no face separates (two alike leaves measured as
      // one along a line): the most specific box.
      const chosen = group.reduce((a, b) => (volume(b, columns) < volume(a, columns) ? b : a));
      node.counts = countsOf(chosen.answer);
      return id;
    }
    node.split = cut.threshold !== undefined ? { kind: 'numeric', feature: cut.column, threshold: cut.threshold } : { kind: 'categorical', feature: cut.column, left: cut.left! };
    const side = (which: 'left' | 'right') => group.map((box) => clip(box, cut, which, columns, epsilon)).filter((box): box is Box => box !== undefined);
    node.left = build(side('left'), clip(region, cut, 'left', columns, 0)!, depth + 1);
    node.right = build(side('right'), clip(region, cut, 'right', columns, 0)!, depth + 1);
    // An inner node's training rows are those of its leaves.
    node.counts = nodes[node.left].counts.map((count, c) => count + nodes[node.right!].counts[c]);
    return id;
  };
  const domain: Box = { lo: Float64Array.from(columns, (c) => c.min), hi: Float64Array.from(columns, (c) => c.max), allowed: columns.map((c) => (c.categorical ? Array.from({ length: c.levels }, (_, l) => l) : undefined)), answer: boxes[0].answer };
  build(boxes, domain, 0);
  return { surrogate: new DecisionTree({ classes: info.classes, schema: info.schema, inputSize: info.inputSize, nodes, params: { extractedBy: 'path-finding', variant: 'basic' } }), leaves: boxes.length };
}
