/** The training service a command asks for: this machine's threads, or a cluster with `--redis`. */

import { TrainingPool } from '../parallel/training-pool.ts';
import type { TrainingService } from '../parallel/training-service.ts';
import type { ClusterStats } from './job-client.ts';

/** Threads here (`size` of them, default two), or `threatlab worker` processes behind Redis at `redis`. */
export async function openTraining(redis: string | undefined, size?: number): Promise<TrainingService> {
  if (!redis) return new TrainingPool(size);
  const { ClusterTrainingService } = await import('./cluster-training.ts');
  const service = await ClusterTrainingService.connect(redis);
  // Ctrl-C (or SIGTERM) of the command cancels its jobs on the workers before the process ends:
  // nobody would hear their results.
  const stop = (signal: NodeJS.Signals) => void service.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const close = service.close.bind(service);
  service.close = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    return close();
  };
  return service;
}

/** One line on where the models were trained (for a cluster: by which workers, and what was retried). */
export function trainingLine(training: TrainingService): string | undefined {
  const stats = (training as { statistics?: () => ClusterStats }).statistics?.();
  if (!stats) return undefined;
  const workers = Object.keys(stats.workers).length;
  return `models trained on ${workers} worker process${workers === 1 ? '' : 'es'} through Redis: ${stats.completed} job${stats.completed === 1 ? '' : 's'}, ${stats.restarted} restarted after a failure or a lost worker, ${(stats.uploadedBytes / 1024 ** 2).toFixed(1)} MiB of data sent`;
}
