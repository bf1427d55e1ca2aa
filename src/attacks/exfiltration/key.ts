/**
 * The attacker's key: everything the decoder of a malicious training algorithm needs and
 * nothing of the data itself (Song et al., CCS 2017, §3: the adversary knows its algorithm and
 * its parameters; the secret is what it reads back out). Saved as JSON by
 * `threatlab train --malicious … --secret-out key.json`.
 */

import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { plainIssues } from '../../zod-issues.ts';

/** The four attacks of Song et al. */
export const EXFILTRATION_ATTACKS = ['lsb', 'correlation', 'sign', 'capacity'] as const;
/** One of them. */
export type ExfiltrationAttackName = (typeof EXFILTRATION_ATTACKS)[number];

const imageShape = z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict();
const base = {
  format: z.literal(1),
  /** Items (rows, images) encoded. */
  items: z.number().int().positive(),
  valuesPerItem: z.number().int().positive(),
  image: imageShape.optional(),
};

const lsbKey = z.object({
  ...base,
  attack: z.literal('lsb'),
  /** Low mantissa bits of each float32 parameter rewritten. */
  bits: z.number().int().min(1).max(20),
  compress: z.boolean(),
  /** AES-256-CTR passphrase, when the payload is encrypted. */
  passphrase: z.string().min(1).optional(),
}).strict();

const correlationKey = z.object({ ...base, attack: z.literal('correlation'), parameters: z.number().int().positive(), lambda: z.number().positive() }).strict();
const signKey = z.object({ ...base, attack: z.literal('sign'), parameters: z.number().int().positive(), lambda: z.number().positive() }).strict();

const capacityKey = z.object({
  ...base,
  attack: z.literal('capacity'),
  /** Seed of the synthetic inputs. */
  seed: z.number().int().min(0).max(0xffffffff),
  /** Synthetic rows, one query each. */
  rows: z.number().int().positive(),
  inputSize: z.number().int().positive(),
  /** Range the synthetic features are drawn from: each at its top with probability `density`, else at its bottom. */
  range: z.tuple([z.number(), z.number()]),
  density: z.number().gt(0).lt(1),
  /** Bits kept of each 8-bit value. */
  levelBits: z.number().int().min(1).max(8),
  /** Bits carried by one label: ⌊log2 classes⌋. */
  bitsPerLabel: z.number().int().min(1).max(16),
}).strict();

const exfiltrationKey = z.discriminatedUnion('attack', [lsbKey, correlationKey, signKey, capacityKey]);

/** A key of any attack. */
export type ExfiltrationKey = z.infer<typeof exfiltrationKey>;
export type LsbKey = z.infer<typeof lsbKey>;
export type CorrelationKey = z.infer<typeof correlationKey>;
export type SignKey = z.infer<typeof signKey>;
export type CapacityKey = z.infer<typeof capacityKey>;

/** Validates a parsed key file; `source` names it in errors. */
export function parseExfiltrationKey(value: unknown, source: string): ExfiltrationKey {
  const parsed = exfiltrationKey.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      `${source} is not a threatlab exfiltration key (write one with threatlab train --malicious … --secret-out FILE)`,
      plainIssues(parsed.error, '(root)'),
    );
  }
  return parsed.data;
}
