/** The model kinds threatlab trains, with one line each (no model code loaded). */

import type { TrainerKind } from './types.ts';

/** Every trainable kind, with a one-line description. */
export const MODEL_KINDS: Record<TrainerKind, string> = {
  logistic: 'binary logistic regression (L2, exact: Newton or L-BFGS)',
  softmax: 'multinomial logistic regression (L2, exact: Newton or L-BFGS)',
  ovr: 'one-vs-rest logistic regression (L2, exact: Newton or L-BFGS)',
  'naive-bayes': 'multinomial naive Bayes on word counts (a spam filter; saved as its exact softmax linear form)',
  linear: 'least-squares linear regression (optional ridge)',
  'kernel-logistic': 'RBF-kernel logistic regression (exact, ≤ 2,000 rows)',
  tree: 'CART decision tree (gini/entropy, categorical splits, missing values)',
  mlp: 'multilayer perceptron (onnxruntime native kernels, DP-SGD and adversarial training included; Adam/SGD, early stopping)',
  cnn: 'small convolutional network for images (onnxruntime native kernels, DP-SGD and adversarial training included)',
};
