/** The extraction attacks by name (Tramèr et al., USENIX Security 2016). */

import type { ParamSpecs } from '../../models/params.ts';
import type { Classifier } from '../../models/types.ts';
import type { Attack } from '../types.ts';
import { chosenQueries } from './chosen-queries.ts';
import { equationSolving } from './equation-solving.ts';
import { kernelEquationSolving } from './kernel-equation-solving.ts';
import { lowdMeek } from './lowd-meek.ts';
import { pathFinding } from './path-finding.ts';
import { mlpRetraining, retraining } from './retraining.ts';

/** What every extraction attack returns: at least a surrogate model. */
export interface SurrogateOutcome {
  surrogate: Classifier;
}

/** Extraction attacks, by CLI name. */
export const EXTRACTION_ATTACKS: Record<string, Attack<ParamSpecs, SurrogateOutcome>> = {
  'equation-solving': equationSolving as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  'chosen-queries': chosenQueries as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  'mlp-retraining': mlpRetraining as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  retraining: retraining as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  'path-finding': pathFinding as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  'lowd-meek': lowdMeek as unknown as Attack<ParamSpecs, SurrogateOutcome>,
  'kernel-equation-solving': kernelEquationSolving as unknown as Attack<ParamSpecs, SurrogateOutcome>,
};

export { chosenQueries, equationSolving, kernelEquationSolving, lowdMeek, mlpRetraining, pathFinding, retraining };
