/**
 * Reading a secret back: white-box from the published parameters (LSB, correlated-value, sign
 * encoding) or black-box through any oracle — in-process, `threatlab serve`, a user's endpoint —
 * by capacity abuse, with its queries counted and billed by the attack runner.
 */

import { CapabilityError } from '../../errors.ts';
import type { Model } from '../../models/types.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Progress } from '../../progress.ts';
import { runAttack } from '../runner.ts';
import type { AttackRecord } from '../types.ts';
import { capacityDecoder, type CapacityDecoding } from './capacity-abuse.ts';
import { decodeCorrelation } from './correlated-value.ts';
import type { CapacityKey, ExfiltrationKey } from './key.ts';
import { decodeLsb } from './lsb.ts';
import { decodeSign } from './sign-encoding.ts';

/** Decodes a white-box encoding from the model's parameters. */
export function decodeWhiteBox(model: Model, key: ExfiltrationKey): Uint8Array {
  switch (key.attack) {
    case 'lsb':
      return decodeLsb(model, key);
    case 'correlation':
      return decodeCorrelation(model, key);
    case 'sign':
      return decodeSign(model, key);
    case 'capacity':
      throw new CapabilityError('capacity abuse is decoded by querying the model (give an oracle: --url or a served model), not from its parameters');
  }
}

/** Decodes capacity abuse through `oracle`; the record counts every query and its cost. */
export async function decodeThroughOracle(oracle: Oracle, key: CapacityKey, options: { seed: number; budget?: number; progress?: Progress }): Promise<AttackRecord<CapacityDecoding>> {
  return runAttack(capacityDecoder(key), oracle, { seed: options.seed, budget: options.budget, progress: options.progress });
}
