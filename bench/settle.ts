/**
 * A full garbage collection before a timed first run. A bench process runs many workloads in a
 * row, and the garbage the ones before left (a data set decoded, a model trained) is collected
 * wherever V8 decides — inside the next timed call, when it lands there: the Iris softmax's first
 * fit read 3 ms in a process that had just fitted Adult and 14 ms in the bench after the AT&T MLP.
 * A peer's first run is in a fresh Python process with no such garbage; this gives ours the same
 * start. It is not a warm-up: nothing of the workload runs, no code is compiled.
 *
 * The collection is run twice. V8 frees the backing stores of the dead ArrayBuffers (a decoded
 * data set: hundreds of MB) on a background thread after `gc()` returns (concurrent ArrayBuffer
 * sweeping), and for those ~10 ms the timed run that follows waited on it: the first WebAssembly
 * compile right after one collection took 11 ms against 0.3–0.6 ms 5 ms later (or with
 * `--no-concurrent-array-buffer-sweeping`), and the benign malicious-training fit's first check of
 * its rows 21–25 ms against 3.5 (its whole first fit 175–183 ms against 144–148). A second full
 * collection starts only once the first's sweeping has finished, and has next to nothing to free.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Collects the garbage of what ran before (two full, synchronous collections: the second waits for the first's freeing of buffers). */
export function collectGarbage(): void {
  collect();
  collect();
}
