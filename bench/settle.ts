/**
 * A full garbage collection before a timed first run. A bench process runs many workloads in a
 * row, and the garbage the ones before left (a data set decoded, a model trained) is collected
 * wherever V8 decides — inside the next timed call, when it lands there: the Iris softmax's first
 * fit read 3 ms in a process that had just fitted Adult and 14 ms in the bench after the AT&T MLP.
 * A peer's first run is in a fresh Python process with no such garbage; this gives ours the same
 * start. It is not a warm-up: nothing of the workload runs, no code is compiled.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Collects the garbage of what ran before (a full, synchronous collection). */
export function collectGarbage(): void {
  collect();
}
