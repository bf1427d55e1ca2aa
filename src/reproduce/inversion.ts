/**
 * `threatlab reproduce inversion`: Fredrikson et al. (USENIX Security 2014; CCS 2015) on the
 * papers' data — survey trees, warfarin genotypes, and faces — ours beside the paper's, seeded.
 */

import type { Progress } from '../progress.ts';
import { faceInversionRows } from './inversion-faces.ts';
import { surveyInversionRows, type InversionRow } from './inversion-surveys.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

export type { InversionRow };

/** The whole table, and the face grids written. */
export async function reproduceInversion(options: { quick: boolean; outDir?: string; progress?: Progress }): Promise<{ seed: number; rows: InversionRow[]; files: string[] }> {
  const seed = REPRODUCTION_SEED;
  const surveys = await surveyInversionRows({ quick: options.quick, seed });
  const faces = await faceInversionRows({ quick: options.quick, seed, outDir: options.outDir, progress: options.progress });
  return { seed, rows: [...surveys, ...faces.rows], files: faces.files };
}
