/**
 * Where the papers' data sets live: the folder named by `THREATLAB_DATA` when set, else the
 * repository's own `data/` (sources, terms and checksums in its README). A missing file is a
 * `dataset-missing` error that lists every path searched and how to fix it.
 */

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThreatlabError } from '../errors.ts';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The repository's own data folder. */
export const REPOSITORY_DATA = resolve(repositoryRoot, 'data');

/** Candidate data roots, in search order, without duplicates. */
export function dataRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.THREATLAB_DATA) roots.push(resolve(env.THREATLAB_DATA));
  roots.push(REPOSITORY_DATA);
  return [...new Set(roots)];
}

/** Every place `relative` is looked for. */
export function candidatePaths(relative: string, extraRoots: string[] = []): string[] {
  return [...dataRoots(), ...extraRoots].map((root) => join(root, relative));
}

/** The first existing location of `relative`, or undefined. */
export function locateDataFile(relative: string, extraRoots: string[] = []): string | undefined {
  return candidatePaths(relative, extraRoots).find((path) => existsSync(path));
}

/** The path of a data file; a `dataset-missing` error naming every path searched when absent. */
export function requireDataFile(dataset: string, relative: string, extraRoots: string[] = []): string {
  const found = locateDataFile(relative, extraRoots);
  if (found) return found;
  const searched = candidatePaths(relative, extraRoots);
  throw new ThreatlabError(
    'dataset-missing',
    `data set "${dataset}" needs ${relative}, not found at: ${searched.join(', ')}; ` +
      "restore the repository's data/ folder (git checkout data) or set THREATLAB_DATA to a folder of the same layout",
  );
}
