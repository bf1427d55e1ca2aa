/**
 * Where the shared real data sets live: the folder named by `THREATLAB_DATA`, else
 * `../shared/data` beside the repository (or beside the working directory). The data are
 * never copied into the repository. A missing file is a `dataset-missing` error that lists
 * every path searched and how to fix it.
 */

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThreatlabError } from '../errors.ts';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Candidate data roots, in search order, without duplicates. */
export function dataRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.THREATLAB_DATA) roots.push(resolve(env.THREATLAB_DATA));
  roots.push(resolve(repositoryRoot, '..', 'shared', 'data'));
  roots.push(resolve(process.cwd(), '..', 'shared', 'data'));
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
      'set THREATLAB_DATA to the folder holding the shared data sets',
  );
}
