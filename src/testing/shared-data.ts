/**
 * Tests that read the papers' data sets (kept in the repository's data/): run when the files are
 * found; when they are missing, fail under CI=true (CI must have them) and skip with the reason
 * otherwise (a checkout without data/, or THREATLAB_DATA naming an incomplete folder).
 */

import { test } from 'node:test';
import { isAvailable, findDataset } from '../data/datasets/registry.ts';

/** Declares a test that needs the named registry data sets. */
export function testWithData(name: string, datasets: string[], body: () => void | Promise<void>): void {
  const missing = datasets.filter((dataset) => !isAvailable(findDataset(dataset)));
  const hint = missing.some((dataset) => findDataset(dataset)?.source === 'debian') ? 'apt-get install dataset-fashion-mnist' : 'restore data/ or unset THREATLAB_DATA';
  const skip = missing.length > 0 && process.env.CI !== 'true' ? `data set(s) ${missing.join(', ')} not found; ${hint}` : false;
  test(name, { skip }, body);
}
