/** The JSON forms of all fitted models: a discriminated union on `kind`. */

import type { LinearClassifierJson } from './linear/linear-classifier.ts';

/** Any serialised model. */
export type ModelJson = LinearClassifierJson;
