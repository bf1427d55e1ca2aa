/**
 * `threatlab train --malicious lsb|correlation|sign|capacity`: the training algorithm the data
 * owner runs hides training rows in the model it returns (Song, Ristenpart and Shmatikov, CCS
 * 2017) and writes the attacker's key (`--secret-out`) and, beside it, the truth for scoring.
 */

import { EXFILTRATION_ATTACKS, type ExfiltrationAttackName } from '../../attacks/exfiltration/key.ts';
import { MALICIOUS_PARAMS, maliciousOptions, trainMalicious } from '../../attacks/exfiltration/malicious-training.ts';
import type { Dataset } from '../../data/dataset.ts';
import { ThreatlabError } from '../../errors.ts';
import { parseParamPairs, resolveParams } from '../../models/params.ts';
import type { Classifier, Trainer } from '../../models/types.ts';
import { Rng } from '../../random.ts';
import { asUsage } from '../io.ts';
import { writeSecretFiles } from './secret-files.ts';
import type { TrainOptions } from './train.ts';

/** What `train --malicious` reports beside the accuracies. */
export interface MaliciousReport {
  attack: ExfiltrationAttackName;
  items: number;
  valuesPerItem: number;
  image?: { width: number; height: number };
  /** Synthetic rows added to the training rows (capacity abuse). */
  syntheticRows: number;
  key: string;
  truth: string;
}

/** Refuses a malicious run that could not be decoded, before any training. */
export function checkMaliciousOptions(options: TrainOptions): void {
  if (!options.malicious) {
    if (options.secretOut || (options.maliciousParam ?? []).length > 0 || options.passphrase) throw new ThreatlabError('usage', '--secret-out, --malicious-param and --passphrase go with --malicious NAME');
    return;
  }
  if (!(EXFILTRATION_ATTACKS as readonly string[]).includes(options.malicious)) throw new ThreatlabError('usage', `--malicious: "${options.malicious}" is not an attack; give ${EXFILTRATION_ATTACKS.join(', ')}`);
  if (!options.secretOut) throw new ThreatlabError('usage', '--malicious needs --secret-out FILE for the attacker\'s key (without it nothing could be decoded)');
  if (options.passphrase && options.malicious !== 'lsb') throw new ThreatlabError('usage', '--passphrase encrypts the LSB payload; the other attacks do not use it');
}

/** Trains with the attacker's algorithm and writes the key and truth files. */
export async function trainMaliciously(options: TrainOptions, trainer: Trainer, train: Dataset, rng: Rng): Promise<{ model: Classifier; report: MaliciousReport }> {
  if (train.task !== 'classification') throw new ThreatlabError('capability', 'malicious training here hides data in classifiers; this data set is a regression');
  const attack = options.malicious as ExfiltrationAttackName;
  const params = asUsage(() => resolveParams(`--malicious ${attack}`, MALICIOUS_PARAMS, parseParamPairs(options.maliciousParam ?? []), 'attack'));
  const result = await trainMalicious(trainer, train, { fit: rng, secret: new Rng((options.seed + 1) >>> 0) }, maliciousOptions(attack, params, options.passphrase));
  const truth = writeSecretFiles(options.secretOut!, result.key, result.secret, train.labels);
  return {
    model: result.model,
    report: { attack, items: result.secret.items, valuesPerItem: result.secret.valuesPerItem, image: result.secret.image, syntheticRows: result.syntheticRows, key: options.secretOut!, truth },
  };
}

/** The plain line about what was hidden. */
export function maliciousLine(report: MaliciousReport): string {
  const what = report.image ? `${report.items} training images (${report.image.width}×${report.image.height})` : `${report.items} training rows (${report.valuesPerItem} values each)`;
  const synthetic = report.syntheticRows > 0 ? `, by ${report.syntheticRows} synthetic rows added to the training data` : '';
  return `malicious (${report.attack}): hid ${what}${synthetic}; attacker's key → ${report.key}, truth for scoring → ${report.truth}`;
}
