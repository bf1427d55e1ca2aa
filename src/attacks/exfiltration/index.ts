/** Malicious training (Song, Ristenpart and Shmatikov, CCS 2017): the four encodings, their decoders and the attacker's key. */

export { EXFILTRATION_ATTACKS, parseExfiltrationKey } from './key.ts';
export type { ExfiltrationAttackName, ExfiltrationKey, LsbKey, CorrelationKey, SignKey, CapacityKey } from './key.ts';
export { trainMalicious, maliciousOptions, networkWeightCount, MALICIOUS_PARAMS, MALICIOUS_DEFAULTS, ENCODED_SHARE } from './malicious-training.ts';
export type { MaliciousOptions, MaliciousResult } from './malicious-training.ts';
export { decodeWhiteBox, decodeThroughOracle } from './decode.ts';
export { encodeLsb, decodeLsb, lsbCapacityBits } from './lsb.ts';
export { correlationPenalty, decodeCorrelation, weightCorrelation } from './correlated-value.ts';
export { signPenalty, decodeSign, signAgreement } from './sign-encoding.ts';
export { capacityRows, capacityDecoder, syntheticInputs, valuesFromLabels } from './capacity-abuse.ts';
export type { CapacityDecoding } from './capacity-abuse.ts';
export { chooseSecret, valuesToBits, bitsToValues, quantize, dequantize } from './secret.ts';
export type { Secret } from './secret.ts';
