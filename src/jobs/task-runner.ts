/** Where the server's heavy jobs (training, audits) run: worker threads here, or a cluster. */

import type { RunOptions } from './worker-pool.ts';
import type { WorkerTask } from './messages.ts';

/** Runs tasks within their limits; `WorkerPool` here, `ClusterTaskRunner` on `threatlab worker` processes. */
export interface TaskRunner {
  /** Tasks waiting and running. */
  readonly load: { queued: number; running: number };
  /** Runs `task`; reports its start and progress through `options`. */
  run<T>(task: WorkerTask, options: RunOptions): Promise<T>;
  /**
   * Follows a task sent to the cluster by an earlier server (by its queue id) to its end, as `run`
   * does; absent where tasks end with the process (worker threads).
   */
  attach?<T>(remoteId: string, options: RunOptions): Promise<T>;
  /** Stops; tasks not finished fail here (a cluster's run on, for a restarted server to pick up). */
  close(): Promise<void>;
}
