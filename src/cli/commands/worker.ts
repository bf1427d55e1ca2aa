/** `threatlab worker --redis URL`: a process that trains the models a cluster run asks for. */

import { availableParallelism } from 'node:os';
import { startClusterWorker, type ClusterWorker } from '../../cluster/cluster-worker.ts';
import { ThreatlabError } from '../../errors.ts';
import type { CliIo } from '../io.ts';

/** Options of `worker`. */
export interface WorkerOptions {
  redis: string;
  concurrency?: number;
  lockMs: number;
  cacheMb: number;
  jobMemoryMb: number;
}

/** Starts the worker; it logs one line per job on stderr until stopped. */
export async function runWorker(io: CliIo, options: WorkerOptions): Promise<ClusterWorker> {
  const concurrency = options.concurrency ?? availableParallelism();
  if (concurrency < 1) throw new ThreatlabError('usage', '--concurrency 0 would take no jobs; give 1 or more');
  if (options.lockMs < 1000) throw new ThreatlabError('usage', `--lock-ms ${options.lockMs} is shorter than a lock renewal can be trusted to take; give 1000 or more`);
  return startClusterWorker({
    url: options.redis,
    concurrency,
    lockMs: options.lockMs,
    cacheBytes: options.cacheMb * 1024 * 1024,
    jobMemoryMb: options.jobMemoryMb,
    log: (line) => io.stderr(`${new Date().toISOString()} ${line}\n`),
  });
}
