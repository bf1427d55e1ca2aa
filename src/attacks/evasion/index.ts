/**
 * Evasion (the seed's fourth threat): inputs changed just enough to be misclassified. White-box
 * gradient attacks on a model file (Szegedy et al. 2014 onward), decision-based attacks through
 * any oracle (HopSkipJump), and transfer from a stolen copy (Tramèr et al. 2016; Papernot et al.
 * 2017): craft on the surrogate, send to the target.
 */

import { createMatrix, rowView, type Matrix } from '../../math/matrix.ts';
import { perturbationNorms, summariseEvasion, type EvasionRowOutcome } from '../../metrics/evasion.ts';
import type { Classifier } from '../../models/types.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import { labelsOf } from '../extraction/answers.ts';
import { runWhiteBox, type WhiteBoxAttackName, type WhiteBoxOptions } from './white-box.ts';
import type { DecisionEvasionOutcome } from './hop-skip-jump.ts';

export { inputDomain, repairRow, isValidRow, type InputDomain } from './domain.ts';
export { logitModel, type LogitModel } from './logits.ts';
export { runWhiteBox, WHITE_BOX_ATTACKS, WHITE_BOX_REFERENCES, type WhiteBoxAttackName, type WhiteBoxResult } from './white-box.ts';
export { boundaryAttack, BOUNDARY_ATTACK_PARAMS } from './boundary-attack.ts';
export { hopSkipJump, HOP_SKIP_JUMP_PARAMS, decisionBasedRun, type DecisionEvasionOutcome, type EvasionInputs } from './hop-skip-jump.ts';

/** The transfer attack's outcome: white-box on the surrogate, judged by the target's answers. */
export interface TransferOutcome extends DecisionEvasionOutcome {
  /** How many of the rows fooled the surrogate itself. */
  surrogateSuccesses: number;
  surrogateSeconds: number;
}

/**
 * Transfer: adversarial rows crafted white-box on `surrogate` (a stolen copy), sent to the target
 * once each with the original rows; success is judged on the target's labels only. Queries: two
 * rows per example (the original's label, then the adversarial one's).
 */
export async function transferAttack(target: Oracle, surrogate: Classifier, attack: WhiteBoxAttackName, inputs: Matrix, options: WhiteBoxOptions): Promise<TransferOutcome & { queries: number }> {
  const counted = new CountingOracle(target);
  const targetLabels = labelsOf(await counted.query(inputs));
  const labels = options.labels ?? targetLabels;
  // Craft on the surrogate against the target's labels, so a row the surrogate gets wrong is still attacked.
  const crafted = await runWhiteBox(surrogate, attack, inputs, { ...options, labels, attackEvery: true, fullSteps: true });
  const after = labelsOf(await counted.query(crafted.adversarial));
  const adversarial = createMatrix(inputs.rows, inputs.cols, Float64Array.from(inputs.data));
  const rows: EvasionRowOutcome[] = Array.from({ length: inputs.rows }, (_, i) => {
    const attacked = targetLabels[i] === labels[i] && (!options.targets || options.targets[i] !== labels[i]);
    const success = attacked && (options.targets ? after[i] === options.targets[i] : after[i] !== labels[i]);
    if (success) adversarial.data.set(rowView(crafted.adversarial, i), i * inputs.cols);
    return { attacked, success, label: labels[i], adversarialLabel: success ? after[i] : targetLabels[i], ...perturbationNorms(adversarial, inputs, i), queries: 2 };
  });
  return {
    adversarial: Array.from({ length: inputs.rows }, (_, i) => Array.from(rowView(adversarial, i))),
    rows,
    summary: summariseEvasion(rows, options.labels),
    surrogateSuccesses: crafted.summary.successes,
    surrogateSeconds: crafted.seconds,
    queries: counted.queries,
  };
}
