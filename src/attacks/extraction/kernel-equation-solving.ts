/**
 * Extraction of an RBF-kernel logistic regression (Tramèr et al. 2016, §4.1.3) by equation
 * solving in the kernel's feature space. The target is f_c(x) = Σ_r α_cr k(x_r, x) + b_c over
 * its secret training rows x_r; the attacker knows the kernel and its width γ (as the paper
 * assumes). It queries m uniform points of the domain, takes k of them as its own centres q_r,
 * and solves the log-ratio equations
 *     log(p_c / p_0)(x_i) = Σ_r β_cr k(q_r, x_i) + (b_c − b_0),   i = 1…m,
 * by ridge-regularised least squares (Cholesky on k + 1 unknowns per class). The target's
 * log-ratio lies in the span of kernel functions at other centres, so this is an approximation
 * that improves with k and m. With `refine`, the centres then move with the coefficients
 * (`kernel-representers.ts`), as the paper optimised the unknown representers as well.
 */

import { choleskySolve } from '../../math/linalg.ts';
import { createMatrix } from '../../math/matrix.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { KernelLogistic, rbfKernel } from '../../models/kernel/kernel-logistic.ts';
import type { ParamSpecs } from '../../models/params.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import type { Attack } from '../types.ts';
import { probabilities, queryAll } from './answers.ts';
import { logRatioSystems } from './equation-solving.ts';
import { refineRepresenters } from './kernel-representers.ts';
import { withArticle } from '../../models/kind-article.ts';

/** Parameters of kernel equation solving. */
export const KERNEL_EQUATION_SOLVING_PARAMS = {
  gamma: { type: 'number', default: 0, min: 0, doc: "the target's RBF width γ (known to the attacker, as in the paper; required)" },
  centres: { type: 'number', default: 500, min: 1, integer: true, doc: 'centres k of the surrogate (drawn from the queries)' },
  queries: { type: 'number', default: 2000, min: 1, integer: true, doc: 'uniform queries m (at least the centres)' },
  ridge: { type: 'number', default: 1e-8, min: 0, doc: 'ridge on the least-squares system, relative to its diagonal' },
  refine: { type: 'number', default: 0, min: 0, integer: true, doc: 'L-BFGS iterations moving the centres with the coefficients (0: centres stay at the queries)' },
} satisfies ParamSpecs;

/** What the attack returns. */
export interface KernelExtractionOutcome {
  surrogate: KernelLogistic;
  /** Equations used (finite log-ratios). */
  equations: number;
}

/** Kernel equation solving. */
export const kernelEquationSolving: Attack<typeof KERNEL_EQUATION_SOLVING_PARAMS, KernelExtractionOutcome> = {
  name: 'kernel-equation-solving',
  family: 'extraction',
  needs: ['scores'],
  reference: 'Tramèr et al. 2016, §4.1.3 (kernel logistic regression)',
  params: KERNEL_EQUATION_SOLVING_PARAMS,
  async run({ oracle, rng }, params) {
    if (oracle.info.kind !== 'kernel-logistic') {
      throw new ThreatlabError('capability', `kernel-equation-solving extracts RBF-kernel logistic models; this oracle serves ${withArticle(oracle.info.kind)} model (use equation-solving or mlp-retraining)`);
    }
    if (!(params.gamma > 0)) throw new ValidationError('invalid parameters for kernel-equation-solving', [{ path: 'gamma', message: "give the target's kernel width, e.g. --param gamma=0.5" }]);
    if (params.queries < params.centres) throw new ValidationError('invalid parameters for kernel-equation-solving', [{ path: 'queries', message: `${params.queries} queries for ${params.centres} centres; query at least as many points as centres` }]);
    const classes = oracle.info.classes.length;
    const points = uniformRows(oracle.info.schema, params.queries, rng);
    const observed = probabilities(await queryAll(oracle, points), classes);
    const centres = createMatrix(params.centres, points.cols, points.data.slice(0, params.centres * points.cols));
    const kernel = rbfKernel(points, centres, params.gamma);
    const k = params.centres;
    const coefficients = createMatrix(classes, k);
    const biases = new Float64Array(classes);
    let equations = 0;
    const systems = logRatioSystems(kernel, observed);
    for (let c = 1; c < classes; c++) {
      const { normal, right, equations: count } = systems[c];
      equations = count;
      let trace = 0;
      for (let a = 0; a <= k; a++) trace += normal.data[a * (k + 2)];
      for (let a = 0; a <= k; a++) normal.data[a * (k + 2)] += (params.ridge * trace) / (k + 1) + 1e-300;
      const solution = choleskySolve(normal, right);
      coefficients.data.set(solution.subarray(0, k), c * k);
      biases[c] = solution[k];
    }
    const fitted = params.refine > 0 ? refineRepresenters(points, observed, params.gamma, { centres, coefficients, biases }, params.refine) : { centres, coefficients, biases };
    const surrogate = new KernelLogistic({ classes: oracle.info.classes, schema: oracle.info.schema, gamma: params.gamma, ...fitted, params: { extractedBy: 'kernel-equation-solving' } });
    return { surrogate, equations };
  },
};
