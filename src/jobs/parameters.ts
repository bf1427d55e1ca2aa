/** How many weights a trainer would fit on a data set: checked against the server's limit before training starts. */

import type { Dataset } from '../data/dataset.ts';
import type { Trainer } from '../models/types.ts';

/** Weights of the model `trainer` would fit on `data` (trees: their nodes' class counts). */
export function estimateParameters(trainer: Trainer, data: Dataset): number {
  const inputs = data.features.cols;
  const outputs = data.task === 'classification' ? data.classes.length : 1;
  switch (trainer.kind) {
    case 'mlp': {
      const widths = [inputs, ...(trainer.params.hidden as number[]), outputs];
      let total = 0;
      for (let l = 1; l < widths.length; l++) total += (widths[l - 1] + 1) * widths[l];
      return total;
    }
    case 'cnn': {
      const filters = trainer.params.filters as number[];
      const channels = data.image?.channels ?? 1;
      let total = 0;
      filters.forEach((f, b) => (total += 9 * (b === 0 ? channels : filters[b - 1]) * f + f));
      return total + (inputs + 1) * (trainer.params.hidden as number) + ((trainer.params.hidden as number) + 1) * outputs;
    }
    case 'kernel-logistic':
      return data.features.rows * (inputs + outputs);
    case 'tree':
      // Nodes (at most two per training row, 2^(depth+1) by depth) × class counts.
      return Math.min(2 * data.features.rows, 2 ** ((trainer.params.maxDepth as number) + 1)) * outputs;
    case 'logistic':
    case 'softmax':
    case 'ovr':
    case 'naive-bayes':
    case 'linear':
      return (inputs + 1) * outputs;
  }
}
