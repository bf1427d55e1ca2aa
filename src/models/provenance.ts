/**
 * How a model file was made, when threatlab made it: the data set (a registry name, or a CSV's
 * path and SHA-256), the target column, the seed and the test fraction of the split. An audit
 * that is not told who the members are rebuilds exactly that split with the same function
 * `train` used (`trainingSplitRngs`), and refuses when the file says nothing or names other data.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Rng } from '../random.ts';

/** What `threatlab train` records in the model file. */
export const trainingProvenance = z.object({
  tool: z.literal('threatlab train'),
  dataset: z.string(),
  /** SHA-256 of the CSV file, for a user's CSV. */
  sha256: z.string().optional(),
  target: z.string(),
  seed: z.number().int().min(0),
  testFraction: z.number().gt(0).lt(1),
  rows: z.object({ train: z.number().int().min(0), test: z.number().int().min(0) }),
});

/** A model file's provenance. */
export type TrainingProvenance = z.infer<typeof trainingProvenance>;

/** The random streams of a training run: the split's, then the fit's (forked in this order from the seed). */
export function trainingSplitRngs(seed: number): { split: Rng; fit: Rng } {
  const rng = new Rng(seed);
  const split = rng.fork();
  return { split, fit: rng.fork() };
}

/** SHA-256 of a file, hex. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The provenance in a model file's JSON, if it has a valid one. */
export function provenanceOf(json: unknown): TrainingProvenance | undefined {
  const parsed = trainingProvenance.safeParse((json as { training?: unknown } | undefined)?.training);
  return parsed.success ? parsed.data : undefined;
}
