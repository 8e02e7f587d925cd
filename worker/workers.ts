// Builds pomona's workers: `pomona-cpu` runs the workflow and the CPU activities, `pomona-gpu` runs
// embed/train/infer one at a time (one process per GPU). Used by `pomona worker`, the demo and tests.
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cpuActivities from '../activities/cpu';
import { createGpuActivities } from '../activities/gpu';
import { keepAliveInterceptor } from '../activities/keep-alive';
import { repositoryRoot } from '../core/io/repository-root';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '../workflows/task-queues';

export type QueueKind = 'cpu' | 'gpu';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  queues: QueueKind[];
  /** A bundle to use; default: the prebuilt dist/workflow-bundle.js, else bundle from source at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  gpuConcurrency?: number;
  extra?: Partial<WorkerOptions>;
}

export function defaultWorkflowBundlePath(): string | undefined {
  const bundle = path.join(repositoryRoot(), 'dist', 'workflow-bundle.js');
  return fs.existsSync(bundle) ? bundle : undefined;
}

export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const workers: Worker[] = [];
  if (setup.queues.includes('cpu')) {
    const bundlePath = defaultWorkflowBundlePath();
    const bundle = setup.workflowBundle ?? (bundlePath ? { codePath: bundlePath } : undefined);
    workers.push(
      await Worker.create({
        connection: setup.connection,
        namespace: setup.namespace,
        taskQueue: CPU_TASK_QUEUE,
        ...(bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../workflows') }),
        activities: cpuActivities,
        // Heartbeats while each activity runs, so a lost completion is retried within the heartbeat timeout
        // the loop gives it (activities/keep-alive.ts), not after the 2 h start-to-close.
        interceptors: { activity: [keepAliveInterceptor] },
        ...setup.extra,
      }),
    );
  }
  if (setup.queues.includes('gpu')) {
    workers.push(
      await Worker.create({
        connection: setup.connection,
        namespace: setup.namespace,
        taskQueue: GPU_TASK_QUEUE,
        activities: createGpuActivities(),
        maxConcurrentActivityTaskExecutions: setup.gpuConcurrency ?? 1,
        // Cancellation (and news that the loop was terminated) reaches an activity only in a heartbeat's
        // answer, and heartbeat details carry training progress to `pomona status`; the SDK would send
        // one every 0.8 x heartbeat timeout (capped at 60 s). Every 2 s is cheap next to hours of training,
        // and heartbeats go to the server, not to history.
        maxHeartbeatThrottleInterval: '2s',
        ...setup.extra,
      }),
    );
  }
  return workers;
}
