/**
 * What Carlini & Wagner's rounds share on either path (carlini-wagner.ts on onnxruntime,
 * carlini-wagner-tfjs.ts on tfjs): the settings, the goal test and the early abort.
 */

/** The attack's settings (Carlini & Wagner's: κ = 0, Adam at 0.01; fewer steps than their 10,000, with early abort). */
export interface CarliniWagnerOptions {
  initialConst: number;
  binarySteps: number;
  steps: number;
  learningRate: number;
  kappa: number;
}

/** Hands a row's image that met the goal at squared distance `distance` (row i of `pixels` from `offset`). */
export type CwRecord = (row: number, distance: number, pixels: Float32Array, offset: number) => void;

/** One round of the binary search: Adam from the start at each row's constant; which rows met the goal at some step. */
export interface CwRounds {
  run(consts: Float64Array, record: CwRecord): Promise<Uint8Array>;
  dispose(): void;
}

/** Whether a margin (unfloored) meets the goal: a hair below zero, so that the float64 model agrees; at or below −κ when κ > 0. */
export function metGoal(margin: number, kappa: number): boolean {
  return margin < -Math.min(kappa, 1e-4) || (kappa > 0 && margin <= -kappa);
}

/** Carlini & Wagner's early abort, asked every tenth of the steps: stop when the loss has not fallen by 0.01% since the last ask. */
export function earlyAbort(steps: number): (step: number, loss: number) => boolean {
  let previous = Infinity;
  return (step, loss) => {
    if (step % Math.max(1, Math.floor(steps / 10)) !== 0) return false;
    if (loss > previous * 0.9999) return true;
    previous = loss;
    return false;
  };
}
