/** The training service a command asks for: this machine's threads, or a cluster with `--redis`. */

import { TrainingPool } from '../parallel/training-pool.ts';
import type { TrainingService } from '../parallel/training-service.ts';
import type { ClusterStats } from './job-client.ts';

/** Threads here (`size` of them, default two, started now: the command trains), or `threatlab worker` processes behind Redis at `redis`. */
export async function openTraining(redis: string | undefined, size?: number): Promise<TrainingService> {
  if (!redis) return new TrainingPool(size).start();
  const { ClusterTrainingService } = await import('./cluster-training.ts');
  return ClusterTrainingService.connect(redis, { exitOnSignal: true });
}

/** One line on where the models were trained (for a cluster: by which workers, and what was retried). */
export function trainingLine(training: TrainingService): string | undefined {
  const stats = (training as { statistics?: () => ClusterStats }).statistics?.();
  if (!stats) return undefined;
  const workers = Object.keys(stats.workers).length;
  return `models trained on ${workers} worker process${workers === 1 ? '' : 'es'} through Redis: ${stats.completed} job${stats.completed === 1 ? '' : 's'}, ${stats.restarted} restarted after a failure or a lost worker, ${(stats.uploadedBytes / 1024 ** 2).toFixed(1)} MiB of data sent`;
}
