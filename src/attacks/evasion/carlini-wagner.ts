/**
 * Carlini & Wagner's L2 attack (IEEE S&P 2017): minimise ‖x' − x‖₂² + c·f(x') where f is the
 * logit margin (objective f6, floored at −κ), over x' = lo + (hi − lo)·(tanh(w) + 1)/2 so that
 * the box holds without clipping, by Adam; a binary search per row on c keeps the smallest c
 * that succeeds. Returns the smallest successful perturbation per row (the input itself where
 * no c succeeded, so such a row fails the success check).
 *
 * A model with an onnxruntime graph (an MLP, a linear model, the CNN) runs each step as one
 * onnxruntime call — the objective, its gradient in w and the image — and Adam in WebAssembly
 * (adam.wat, tfjs's float32 operations); others differentiate their tfjs scores
 * (carlini-wagner-tfjs.ts). As in Carlini & Wagner's code, a step's image is judged from the
 * same forward pass that gives the step's gradient, before the update.
 */

import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { AdamKernel } from '../../math/wasm/adam-kernel.ts';
import { earlyAbort, metGoal, type CarliniWagnerOptions, type CwRecord, type CwRounds } from './carlini-wagner-rounds.ts';
import { tfjsCwRounds } from './carlini-wagner-tfjs.ts';
import type { CwObjective } from './cw-objective.ts';
import { aimOf, type GradientProblem } from './gradient-problem.ts';

export type { CarliniWagnerOptions } from './carlini-wagner-rounds.ts';

export const CARLINI_WAGNER_DEFAULTS: CarliniWagnerOptions = { initialConst: 1, binarySteps: 6, steps: 300, learningRate: 0.05, kappa: 0 };

/** The tanh-space start of each row: the input itself, slightly inside the box so that atanh is finite. */
function tanhStart(problem: GradientProblem): Float32Array {
  const { rows, cols } = problem.inputs;
  const { lower: lo, upper: hi } = problem.domain;
  const start = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const range = hi[j] - lo[j];
      const unit = range > 0 ? (problem.inputs.data[i * cols + j] - lo[j]) / range : 0.5;
      start[i * cols + j] = Math.atanh(Math.min(0.999999, Math.max(-0.999999, 2 * unit - 1)));
    }
  }
  return start;
}

/** The rounds on onnxruntime: each step one call of the model's C&W objective, its gradient written into Adam's memory. */
function nativeCwRounds(problem: GradientProblem, options: CarliniWagnerOptions, start: Float32Array, objective: CwObjective): CwRounds {
  const { rows, cols } = problem.inputs;
  const { aim, targeted } = aimOf(problem);
  const { lower, upper } = problem.domain;
  const low = Float32Array.from(lower);
  const span = Float32Array.from(upper, (high, j) => high - lower[j]);
  const x0 = Float32Array.from(problem.inputs.data);
  return {
    async run(consts, record) {
      const adam = new AdamKernel([rows * cols], options.learningRate);
      const batch = objective({ x0, rows, low, span, aim, targeted, gradient: adam.gradient(0) });
      try {
        const w = adam.values(0);
        w.set(start);
        const c = Float32Array.from(consts);
        const succeeded = new Uint8Array(rows);
        const abort = earlyAbort(options.steps);
        for (let step = 0; step < options.steps; step++) {
          const { image, distance, margin } = await batch.evaluate(w, c, options.kappa);
          let loss = 0;
          for (let i = 0; i < rows; i++) {
            loss += distance[i] + c[i] * Math.max(margin[i], -options.kappa);
            if (metGoal(margin[i], options.kappa)) {
              succeeded[i] = 1;
              record(i, distance[i], image, i * cols);
            }
          }
          adam.step();
          if (abort(step, loss)) break;
        }
        return succeeded;
      } finally {
        batch.release();
        adam.release();
      }
    },
    dispose: () => undefined,
  };
}

/** The attack. */
export async function carliniWagner(problem: GradientProblem, options: CarliniWagnerOptions = CARLINI_WAGNER_DEFAULTS): Promise<Matrix> {
  const { rows, cols } = problem.inputs;
  const start = tanhStart(problem);
  const best = createMatrix(rows, cols, Float64Array.from(problem.inputs.data));
  const bestDistance = new Float64Array(rows).fill(Infinity);
  const record: CwRecord = (i, distance, pixels, offset) => {
    if (!(distance < bestDistance[i])) return;
    bestDistance[i] = distance;
    for (let j = 0; j < cols; j++) best.data[i * cols + j] = pixels[offset + j];
  };
  const lowConst = new Float64Array(rows);
  const highConst = new Float64Array(rows).fill(Infinity);
  const consts = new Float64Array(rows).fill(options.initialConst);
  const rounds = problem.model.cwObjective ? nativeCwRounds(problem, options, start, problem.model.cwObjective) : tfjsCwRounds(problem, options, start);
  try {
    for (let round = 0; round < options.binarySteps; round++) {
      const succeeded = await rounds.run(consts, record);
      for (let i = 0; i < rows; i++) {
        if (succeeded[i]) {
          highConst[i] = Math.min(highConst[i], consts[i]);
          consts[i] = (lowConst[i] + highConst[i]) / 2;
        } else {
          lowConst[i] = Math.max(lowConst[i], consts[i]);
          consts[i] = Number.isFinite(highConst[i]) ? (lowConst[i] + highConst[i]) / 2 : consts[i] * 10;
        }
      }
    }
  } finally {
    rounds.dispose();
  }
  return best;
}
