// Real pomona workers (both queues) against a test dev server, with the real trainer.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createWorkers } from '../../worker/workers';
import { startDevServer, workflowBundle } from './dev-server';

export interface RunningTestWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

export async function runLoopWorkers(env: TestWorkflowEnvironment): Promise<RunningTestWorkers> {
  const bundle = await workflowBundle();
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    queues: ['cpu', 'gpu'],
    workflowBundle: bundle,
  });
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    workers,
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}

/**
 * For a test file: a dev server with pomona's workers for all its tests (started before, stopped after).
 * Returns a getter, since the environment exists only once beforeAll has run.
 */
export function useLoopEnvironment(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  let workers: RunningTestWorkers | undefined;
  beforeAll(async () => {
    env = await startDevServer();
    workers = await runLoopWorkers(env);
  });
  afterAll(async () => {
    await workers?.stop();
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the loop environment is not started yet');
    return env;
  };
}
