/**
 * Running a white-box evasion attack on a model: the rows in batches through the attack, each
 * adversarial row made valid for the model's input domain (domain.ts), then judged on the
 * float64 model itself — success, ‖Δ‖₂, ‖Δ‖∞ per row, robust accuracy when the true labels are
 * known. A row the model already gets wrong (or already labels as the target) is not attacked.
 */

import { ValidationError } from '../../errors.ts';
import { createMatrix, selectRows, type Matrix } from '../../math/matrix.ts';
import type { Classifier } from '../../models/types.ts';
import { perturbationNorms, summariseEvasion, type EvasionRowOutcome, type EvasionSummary } from '../../metrics/evasion.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { carliniWagner, CARLINI_WAGNER_DEFAULTS } from './carlini-wagner.ts';
import { deepFool, DEEPFOOL_DEFAULTS } from './deepfool.ts';
import { inputDomain, repairRows, type InputDomain } from './domain.ts';
import { fgsm } from './fgsm.ts';
import type { GradientProblem, RowSink } from './gradient-problem.ts';
import { logitModel } from './logits.ts';
import { pgd, type EvasionNorm } from './pgd.ts';
import { szegedyLbfgs, SZEGEDY_DEFAULTS } from './szegedy-lbfgs.ts';
import { turnEventLoop } from '../../models/neural/native/direct-session.ts';

/** The white-box attacks. */
export const WHITE_BOX_ATTACKS = ['fgsm', 'pgd', 'cw', 'deepfool', 'lbfgs'] as const;
export type WhiteBoxAttackName = (typeof WHITE_BOX_ATTACKS)[number];

/** The paper of each attack. */
export const WHITE_BOX_REFERENCES: Record<WhiteBoxAttackName, string> = {
  fgsm: 'Goodfellow, Shlens & Szegedy, "Explaining and harnessing adversarial examples", ICLR 2015',
  pgd: 'Madry et al., "Towards deep learning models resistant to adversarial attacks", ICLR 2018',
  cw: 'Carlini & Wagner, "Towards evaluating the robustness of neural networks", IEEE S&P 2017',
  deepfool: 'Moosavi-Dezfooli, Fawzi & Frossard, "DeepFool", CVPR 2016',
  lbfgs: 'Szegedy et al., "Intriguing properties of neural networks", ICLR 2014 (box-constrained L-BFGS)',
};

/** Settings of a white-box run. */
export interface WhiteBoxOptions {
  /** The perturbation budget (FGSM, PGD). */
  epsilon?: number;
  norm?: EvasionNorm;
  /** PGD steps (default 40). */
  steps?: number;
  /** True labels; without them each row's label is the model's own prediction. */
  labels?: Int32Array;
  /** Targeted: the label each row should get. */
  targets?: Int32Array;
  /** The input domain (default: the model's schema). */
  domain?: InputDomain;
  seed?: number;
  /** Attack every row, even one the model already gets wrong (transfer: the surrogate's mistakes are not the target's). */
  attackEvery?: boolean;
  /** PGD: run every step instead of stopping each row at its first success (transfer). */
  fullSteps?: boolean;
  /** Rows per batch (default: 256 for FGSM and PGD, 100 for the others). */
  batchSize?: number;
  progress?: Progress;
}

/** What a run returns. */
export interface WhiteBoxResult {
  attack: WhiteBoxAttackName;
  adversarial: Matrix;
  outcomes: EvasionRowOutcome[];
  summary: EvasionSummary;
  /** The whole run: the model's gradient made, the attack, every row repaired and checked on the model. */
  seconds: number;
  /** Of `seconds`, the attack's own steps (gradients and updates), up to its rows' handing over: what a bare attack loop, as a peer library's, times (its float32 rows not yet written into `adversarial`). */
  attackSeconds: number;
}

/** The row-gradients a PGD run of `rows` rows takes at most (which session its gradient uses: logits.ts). */
function pgdRowSteps(rows: number, options: WhiteBoxOptions): number {
  return rows * (options.steps ?? 40);
}

/** Runs one batch; each adversarial row goes to `sink` (FGSM and PGD hand theirs over from their kernel's memory). */
async function attackBatch(name: WhiteBoxAttackName, problem: GradientProblem, options: WhiteBoxOptions, rng: Rng, sink: RowSink, runRows: number): Promise<void> {
  let result: Matrix;
  switch (name) {
    case 'fgsm':
      return fgsm(problem, { epsilon: options.epsilon!, runRowSteps: runRows }, sink);
    case 'pgd':
      return pgd(problem, { epsilon: options.epsilon!, norm: options.norm ?? 'inf', steps: options.steps ?? 40, randomStart: true, stopAtSuccess: !options.fullSteps, runRowSteps: pgdRowSteps(runRows, options) }, rng, sink);
    case 'cw':
      result = await carliniWagner(problem, CARLINI_WAGNER_DEFAULTS);
      break;
    case 'deepfool':
      return deepFool(problem, DEEPFOOL_DEFAULTS, sink);
    case 'lbfgs':
      result = await szegedyLbfgs(problem, SZEGEDY_DEFAULTS);
      break;
  }
  for (let k = 0; k < result.rows; k++) sink(k, result.data.subarray(k * result.cols, (k + 1) * result.cols));
}

/**
 * FGSM and PGD take one onnxruntime call per step for their whole batch: a larger batch pays each
 * call's fixed cost once (PGD, 40 steps on 200 MNIST rows: 56 ms as two batches of 100, 47 ms as
 * one). Their random starts are drawn row after row whatever the batches, so the batch size does
 * not change their result.
 */
function defaultBatchSize(name: WhiteBoxAttackName): number {
  return name === 'fgsm' || name === 'pgd' ? 256 : 100;
}

/**
 * The rows `indices` of `inputs` for an attack, which only reads them: a run of consecutive rows
 * (every batch of a run that attacks every row) is a view of `inputs`, not a copy. A copy is fresh
 * pages here (~10 µs each: 0.8 ms for 50 MNIST rows, twice FGSM's own steps), and the attack that
 * follows a run's allocations reads slower too.
 */
function batchRows(inputs: Matrix, indices: Int32Array): Matrix {
  const first = indices[0];
  const consecutive = indices.every((row, k) => row === first + k);
  if (!consecutive) return selectRows(inputs, indices);
  return { rows: indices.length, cols: inputs.cols, data: inputs.data.subarray(first * inputs.cols, (first + indices.length) * inputs.cols) };
}

/** Runs a white-box attack on every row of `inputs`. */
export async function runWhiteBox(model: Classifier, name: WhiteBoxAttackName, inputs: Matrix, options: WhiteBoxOptions = {}): Promise<WhiteBoxResult> {
  if ((name === 'fgsm' || name === 'pgd') && !(options.epsilon !== undefined && options.epsilon > 0)) {
    throw new ValidationError('invalid attack parameters', [{ path: 'eps', message: `${name} needs a perturbation budget ε > 0 (e.g. --eps 0.3 for L∞ on pixels in [0, 1])` }]);
  }
  if (options.targets && options.targets.length !== inputs.rows) throw new ValidationError('invalid targets', [{ path: 'targets', message: `${options.targets.length} target labels for ${inputs.rows} rows` }]);
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const domain = options.domain ?? inputDomain(model.schema);
  // The model's own labels only where they are needed: for the rows' labels when none are given,
  // or to leave out the rows it already misclassifies.
  const predicted = options.labels && options.attackEvery ? undefined : model.predict(inputs);
  const labels = options.labels ?? predicted!;
  const attack = Int32Array.from({ length: inputs.rows }, (_, i) => i).filter((i) => (options.attackEvery || predicted![i] === labels[i]) && (!options.targets || options.targets[i] !== labels[i]));
  const adversarial = createMatrix(inputs.rows, inputs.cols, Float64Array.from(inputs.data));
  const logits = await logitModel(model);
  const rng = new Rng(options.seed ?? 42);
  const batchSize = options.batchSize ?? defaultBatchSize(name);
  progress.start(`${name} rows`, attack.length);
  let attackSeconds = 0;
  try {
    // The gradient's onnxruntime session is the model in the attacker's hands, made here: in the
    // run's `seconds`, not in `attackSeconds` (a peer library builds its model before its attack loop).
    if (name === 'fgsm') await logits.gradientForRun(attack.length).prepare?.();
    if (name === 'pgd') await logits.gradientForRun(pgdRowSteps(attack.length, options)).prepare?.();
    if (name === 'cw') await logits.cwObjective?.prepare();
    if (name === 'deepfool') await logits.deepFoolStep?.prepare();
    if (name === 'lbfgs') await logits.crossEntropy?.prepare();
    for (let start = 0; start < attack.length; start += batchSize) {
      const indices = attack.subarray(start, start + batchSize);
      const problem: GradientProblem = { model: logits, domain, inputs: batchRows(inputs, indices), labels: Int32Array.from(indices, (i) => labels[i]), ...(options.targets ? { targets: Int32Array.from(indices, (i) => options.targets![i]) } : {}) };
      // The event loop turns before the batch's steps, not inside them once due (every ~20 ms: its
      // waiting tasks, a collection of the run's garbage among them, took 220–300 µs of a 50-row
      // FGSM call in one run of seven). The steps end where the attack hands over its first row:
      // the rows' copy into the float64 result is the run's (a peer's float32 result is converted
      // in its check, outside its time).
      await turnEventLoop();
      let handedAt: number | undefined;
      const attackStarted = performance.now();
      await attackBatch(name, problem, options, rng, (k, values) => {
        handedAt ??= performance.now();
        adversarial.data.set(values, indices[k] * inputs.cols);
      }, attack.length);
      attackSeconds += ((handedAt ?? performance.now()) - attackStarted) / 1000;
      repairRows(domain, adversarial.data, inputs.cols, indices);
      progress.tick(indices.length);
    }
  } finally {
    logits.dispose();
    progress.done();
  }
  const after = model.predict(adversarial);
  const attacked = new Uint8Array(inputs.rows);
  for (const i of attack) attacked[i] = 1;
  const outcomes: EvasionRowOutcome[] = Array.from({ length: inputs.rows }, (_, i) => {
    const success = attacked[i] === 1 && (options.targets ? after[i] === options.targets[i] : after[i] !== labels[i]);
    return { attacked: attacked[i] === 1, success, label: labels[i], adversarialLabel: after[i], ...perturbationNorms(adversarial, inputs, i) };
  });
  return { attack: name, adversarial, outcomes, summary: summariseEvasion(outcomes, options.labels), seconds: (performance.now() - started) / 1000, attackSeconds };
}
