/** An oracle over a fitted model in this process, answering under an output policy. */

import type { Matrix } from '../math/matrix.ts';
import { architectureOf, type ModelSummary } from '../models/summary.ts';
import type { Model } from '../models/types.ts';
import { answerRows, revealsOf } from './policy.ts';
import type { Answer, Oracle, OracleInfo, OutputPolicy } from './types.ts';

/** The info an oracle over `model` publishes. */
export function infoOf(model: Model | ModelSummary, policy: OutputPolicy, price = 0, modelId?: string): OracleInfo {
  const architecture = 'costPerRow' in model ? model.architecture : architectureOf(model);
  return {
    modelId,
    kind: model.kind,
    task: model.task,
    schema: model.schema,
    inputSize: model.inputSize,
    classes: 'classes' in model ? [...model.classes] : [],
    reveals: revealsOf(model, policy),
    policy,
    price,
    partialRows: model.kind === 'tree',
    ...(architecture ? { architecture } : {}),
  };
}

/** Queries a fitted model directly. */
export class LocalOracle implements Oracle {
  readonly info: OracleInfo;
  readonly model: Model;

  constructor(model: Model, policy: OutputPolicy = { kind: 'full' }, price = 0) {
    this.model = model;
    this.info = infoOf(model, policy, price);
  }

  async query(rows: Matrix): Promise<Answer[]> {
    return answerRows(this.model, this.info.policy, rows);
  }
}
