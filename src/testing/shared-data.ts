/**
 * Tests that read the shared real data sets: run when the files are found; when they are
 * missing, fail under CI=true (CI must have them) and skip with the reason otherwise.
 */

import { test } from 'node:test';
import { isAvailable, findDataset } from '../data/datasets/registry.ts';

/** Declares a test that needs the named registry data sets. */
export function testWithData(name: string, datasets: string[], body: () => void | Promise<void>): void {
  const missing = datasets.filter((dataset) => !isAvailable(findDataset(dataset)));
  const skip =
    missing.length > 0 && process.env.CI !== 'true'
      ? `data set(s) ${missing.join(', ')} not found; set THREATLAB_DATA to the shared data folder`
      : false;
  test(name, { skip }, body);
}
