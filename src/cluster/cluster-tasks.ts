/**
 * The server's training and audit jobs on `threatlab worker` processes (`threatlab serve
 * --redis`): the tasks its worker threads would run, sent through BullMQ with their uploads by
 * content hash. The server still records every job in its database, so the job routes and the
 * dashboard show these like local ones; start and progress come back as queue events.
 */

import type { WorkerTask } from '../jobs/messages.ts';
import type { TaskRunner } from '../jobs/task-runner.ts';
import type { RunOptions } from '../jobs/worker-pool.ts';
import { JobClient, type ClusterStats } from './job-client.ts';
import { TASK_QUEUE } from './redis.ts';
import { packTask, type TaskJob } from './task-jobs.ts';

/** What a worker sends back for a task. */
export interface TaskJobResult {
  result: unknown;
  worker: string;
}

/** A `TaskRunner` on the cluster. */
export class ClusterTaskRunner implements TaskRunner {
  private readonly jobs: JobClient<TaskJob, TaskJobResult>;

  private constructor(jobs: JobClient<TaskJob, TaskJobResult>) {
    this.jobs = jobs;
  }

  /** Connects to the queue at `url` (fails at once with the fix when no Redis answers). */
  static async connect(url: string): Promise<ClusterTaskRunner> {
    return new ClusterTaskRunner(await JobClient.open<TaskJob, TaskJobResult>(url, TASK_QUEUE));
  }

  get load(): { queued: number; running: number } {
    return this.jobs.load;
  }

  async run<T>(task: WorkerTask, options: RunOptions): Promise<T> {
    const job: TaskJob = { task: await packTask(task, this.jobs.blobs), timeoutMs: options.timeoutMs, timeoutLimit: options.timeoutLimit };
    const { result } = await this.jobs.submit(task.type, job, { onQueued: options.onQueued, onActive: options.onStart, onProgress: options.onProgress }, options.signal);
    return result as T;
  }

  async attach<T>(remoteId: string, options: RunOptions): Promise<T> {
    const { result } = await this.jobs.attach(remoteId, { onActive: options.onStart, onProgress: options.onProgress }, options.signal);
    return result as T;
  }

  statistics(): ClusterStats {
    return this.jobs.statistics();
  }

  /** Disconnects; the server's jobs run on, and a server restarted on the same database picks them up. */
  close(): Promise<void> {
    return this.jobs.close({ cancel: false });
  }
}
