/**
 * A fitted decision tree that answers the way BigML's prediction API does: every node (not just
 * every leaf) keeps an id and its training class counts; a row descends while the feature its
 * node splits on is present, and the answer comes from the node where it stops — a leaf, or an
 * internal node when the feature is missing. Tree path-finding extraction (Tramèr et al. 2016,
 * §4.2) identifies leaves from exactly these answers, and white-box inversion (Fredrikson et al.
 * 2015, §5) reads the per-leaf counts.
 */

import type { FeatureSchema } from '../../data/schema.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { argmaxRows, type Classifier } from '../types.ts';
import { checkInput } from '../validate.ts';

/** `x[feature] <= threshold` goes left. */
export interface NumericSplit {
  kind: 'numeric';
  feature: number;
  threshold: number;
}

/** An ordinal-encoded categorical column: the levels in `left` go left, the others right. */
export interface CategoricalSplit {
  kind: 'categorical';
  feature: number;
  left: number[];
}

/** One node; internal nodes have a split and two children. */
export interface TreeNode {
  id: number;
  depth: number;
  /** Training rows per class that reached this node. */
  counts: number[];
  split?: NumericSplit | CategoricalSplit;
  left?: number;
  right?: number;
}

/** What a BigML-style API returns for one row. */
export interface TreeAnswer {
  /** The node where the row stopped. */
  nodeId: number;
  /** Whether it is a leaf (false when a missing feature stopped the descent). */
  leaf: boolean;
  prediction: number;
  /** Class probabilities at the node (counts / total). */
  probabilities: number[];
  /** Wilson-score lower bound (95%) of the predicted class's share: BigML's confidence. */
  confidence: number;
  /** Training rows at the node. */
  count: number;
  counts: number[];
}

/** JSON form of a tree. */
export interface DecisionTreeJson {
  kind: 'tree';
  format: 1;
  classes: string[];
  schema: FeatureSchema;
  nodes: TreeNode[];
  params: Record<string, unknown>;
}

/** A fitted classification tree. */
export class DecisionTree implements Classifier {
  readonly task = 'classification' as const;
  readonly kind = 'tree' as const;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  readonly inputSize: number;
  readonly nodes: readonly TreeNode[];
  readonly params: Record<string, unknown>;

  constructor(init: { classes: readonly string[]; schema: FeatureSchema; inputSize: number; nodes: TreeNode[]; params: Record<string, unknown> }) {
    this.classes = init.classes;
    this.schema = init.schema;
    this.inputSize = init.inputSize;
    this.nodes = init.nodes;
    this.params = init.params;
  }

  /** Number of leaves. */
  get leafCount(): number {
    return this.nodes.filter((node) => node.split === undefined).length;
  }

  /** Greatest depth of a leaf. */
  get depth(): number {
    return Math.max(...this.nodes.map((node) => node.depth));
  }

  /** The node id where a row stops (NaN features stop the descent). */
  nodeOf(row: ArrayLike<number>): number {
    let node = this.nodes[0];
    while (node.split) {
      const value = row[node.split.feature];
      if (Number.isNaN(value)) break;
      const goLeft = node.split.kind === 'numeric' ? value <= node.split.threshold : node.split.left.includes(value);
      node = this.nodes[goLeft ? node.left! : node.right!];
    }
    return node.id;
  }

  /** The BigML-style answer for each row. */
  explain(features: Matrix): TreeAnswer[] {
    checkInput(this.kind, this.inputSize, features, { allowMissing: true, schema: this.schema });
    const answers: TreeAnswer[] = [];
    for (let i = 0; i < features.rows; i++) {
      const node = this.nodes[this.nodeOf(features.data.subarray(i * features.cols, (i + 1) * features.cols))];
      answers.push(answerAt(node));
    }
    return answers;
  }

  predictProba(features: Matrix): Matrix {
    checkInput(this.kind, this.inputSize, features, { allowMissing: true, schema: this.schema });
    const classes = this.classes.length;
    const out = createMatrix(features.rows, classes);
    for (let i = 0; i < features.rows; i++) {
      const node = this.nodes[this.nodeOf(features.data.subarray(i * features.cols, (i + 1) * features.cols))];
      const total = node.counts.reduce((a, b) => a + b, 0);
      for (let c = 0; c < classes; c++) out.data[i * classes + c] = node.counts[c] / total;
    }
    return out;
  }

  predict(features: Matrix): Int32Array {
    return argmaxRows(this.predictProba(features));
  }

  toJSON(): DecisionTreeJson {
    return { kind: 'tree', format: 1, classes: [...this.classes], schema: this.schema, nodes: this.nodes.map((node) => ({ ...node })), params: this.params };
  }
}

function answerAt(node: TreeNode): TreeAnswer {
  const count = node.counts.reduce((a, b) => a + b, 0);
  let prediction = 0;
  for (let c = 1; c < node.counts.length; c++) if (node.counts[c] > node.counts[prediction]) prediction = c;
  return {
    nodeId: node.id,
    leaf: node.split === undefined,
    prediction,
    probabilities: node.counts.map((k) => k / count),
    confidence: wilsonLowerBound(node.counts[prediction], count),
    count,
    counts: [...node.counts],
  };
}

/** Lower bound of the 95% Wilson score interval for `successes` out of `total`. */
export function wilsonLowerBound(successes: number, total: number, z = 1.96): number {
  if (total === 0) return 0;
  const p = successes / total;
  const z2 = z * z;
  const centre = p + z2 / (2 * total);
  const margin = z * Math.sqrt((p * (1 - p) + z2 / (4 * total)) / total);
  return (centre - margin) / (1 + z2 / total);
}
