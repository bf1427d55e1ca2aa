/** The JSON forms of all fitted models: a discriminated union on `kind`. */

import type { KernelLogisticJson } from './kernel/kernel-logistic.ts';
import type { LinearClassifierJson } from './linear/linear-classifier.ts';
import type { LinearRegressionJson } from './linear/linear-regression.ts';
import type { CnnJson } from './neural/cnn.ts';
import type { MlpJson } from './neural/mlp.ts';
import type { DecisionTreeJson } from './tree/decision-tree.ts';

/** Any serialised model. */
export type ModelJson = LinearClassifierJson | LinearRegressionJson | KernelLogisticJson | DecisionTreeJson | MlpJson | CnnJson;
