/** The membership-inference attacks by name. */

import type { ParamSpecs } from '../../models/params.ts';
import { boundaryDistance } from './boundary-distance.ts';
import { labelOnly } from './label-only.ts';
import { lira } from './lira.ts';
import { rmia } from './rmia.ts';
import { shadowModelAttack } from './shadow-models.ts';
import { thresholdAttack } from './threshold.ts';
import type { MembershipAttack } from './types.ts';

/** Membership attacks, by CLI name. */
export const MEMBERSHIP_ATTACKS: Record<string, MembershipAttack<ParamSpecs>> = {
  threshold: thresholdAttack as unknown as MembershipAttack<ParamSpecs>,
  'shadow-models': shadowModelAttack as unknown as MembershipAttack<ParamSpecs>,
  lira: lira as unknown as MembershipAttack<ParamSpecs>,
  rmia: rmia as unknown as MembershipAttack<ParamSpecs>,
  'label-only': labelOnly as unknown as MembershipAttack<ParamSpecs>,
  'boundary-distance': boundaryDistance as unknown as MembershipAttack<ParamSpecs>,
};

export { boundaryDistance, labelOnly, lira, rmia, shadowModelAttack, thresholdAttack };
