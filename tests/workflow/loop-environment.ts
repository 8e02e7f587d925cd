// A time-skipping Temporal test server (the pinned temporal-test-server binary, never a download) with
// pomona's two task queues served by workers running ScriptedActivities: the workflow is real, the
// activities are stand-ins, so a test of the loop's orchestration takes seconds.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import * as path from 'node:path';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { repositoryRoot } from '../../core/io/repository-root';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import type { ImportResult } from '../../activities/types';
import { status, submitAnnotations, type LoopResult, type LoopStatus } from '../../workflows/messages';
import { pomonaSearchAttributes } from '../../workflows/search-attributes';
import { CPU_TASK_QUEUE, GPU_TASK_QUEUE } from '../../workflows/task-queues';
import { installQuietRuntime, workflowBundle } from '../helpers/dev-server';
import { ScriptedActivities, type PoolScript } from './scripted-activities';

const testServer = path.join(repositoryRoot(), '.tools', 'temporal', 'bin', 'temporal-test-server');
const { IndexedValueType } = temporal.api.enums.v1;
const indexedType = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};

export type LoopHandle = WorkflowHandle<typeof activeLearningLoop>;

export interface ScriptedLoop {
  handle: LoopHandle;
  /** The test server's client (for code under test that signals loops itself). */
  client: Client;
  activities: ScriptedActivities;
  /** Polls `status` until `predicate` holds; `advance` moves the server's clock that far between polls. */
  waitFor(predicate: (s: LoopStatus) => boolean, what: string, advance?: Duration): Promise<LoopStatus>;
  /** The loop's result, once its last run has finished. */
  result(): Promise<LoopResult>;
  /** Moves the server's clock forward (timers fire as they come due). */
  advance(duration: Duration): Promise<void>;
  /** Answers the batch of `round` with good labels (`/labels/round-<round>`) once it is waiting. */
  annotate(round: number): Promise<ImportResult>;
}

/** For a test file: one time-skipping server, and per test a loop with fresh workers and fresh scripts. */
export function useScriptedLoops(): (
  config: Partial<LoopConfigInput>,
  pool?: Partial<PoolScript>,
) => Promise<ScriptedLoop> {
  let env: TestWorkflowEnvironment | undefined;
  let workers: { worker: Worker; running: Promise<void> }[] = [];
  let started = 0;
  beforeAll(async () => {
    installQuietRuntime();
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServer } },
    });
    // The workflow upserts pomona's search attributes; the test server refuses undeclared ones.
    const searchAttributes = Object.fromEntries(
      Object.entries(pomonaSearchAttributes).map(([name, type]) => [name, indexedType[type]]),
    );
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes,
    });
  });
  let handles: LoopHandle[] = [];
  afterEach(async () => {
    // A loop a test left waiting would take the next test's workers (same queues) when its timers fire.
    await Promise.all(
      handles.map((h) =>
        env!.client.workflow
          .getHandle(h.workflowId)
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
    handles = [];
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(workers.map((w) => w.running));
    workers = [];
  });
  afterAll(async () => {
    await env?.teardown();
  });

  return async (config, pool) => {
    if (!env) throw new Error('the test server is not started yet');
    const testEnv = env;
    const activities = new ScriptedActivities({
      poolCount: 40,
      validationCount: 8,
      map50: [0.3, 0.5, 0.6, 0.65, 0.7],
      ...pool,
    });
    const common = {
      connection: testEnv.nativeConnection,
      namespace: testEnv.namespace ?? 'default',
      shutdownGraceTime: '1s' as const,
    };
    for (const worker of [
      await Worker.create({
        ...common,
        taskQueue: CPU_TASK_QUEUE,
        workflowBundle: await workflowBundle(),
        activities: activities.cpu(),
      }),
      await Worker.create({ ...common, taskQueue: GPU_TASK_QUEUE, activities: activities.gpu() }),
    ]) {
      workers.push({ worker, running: worker.run() });
    }
    const input: LoopConfigInput = {
      project: `scripted-${++started}`,
      workspace: '/scripted-workspace',
      dataset: { path: '/scripted-dataset' },
      selection: { initial: { size: { batchSize: 10 } }, rounds: { size: { batchSize: 5 } } },
      ...config,
    };
    const handle = await testEnv.client.workflow.start(activeLearningLoop, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `loop-${input.project}`,
      args: [input],
    });
    handles.push(handle);
    const loop: ScriptedLoop = {
      handle,
      client: testEnv.client,
      activities,
      async result() {
        // Awaiting the first run's handle can miss the end of a later run on the test server: wait for the
        // last run to finish, then read its result.
        await loop.waitFor((s) => s.stopReason !== null, 'the loop to finish');
        return testEnv.client.workflow.getHandle<typeof activeLearningLoop>(handle.workflowId).result();
      },
      advance: (duration) => testEnv.sleep(duration),
      async annotate(round) {
        await loop.waitFor(
          (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === round,
          `the round ${round} batch`,
        );
        return handle.executeUpdate(submitAnnotations, { args: [{ round, labelsDir: `/labels/round-${round}` }] });
      },
      async waitFor(predicate, what, advance) {
        const deadline = Date.now() + 20_000;
        let last: LoopStatus | undefined;
        while (Date.now() < deadline) {
          // The test server never answers a query to a run that ends (continue-as-new) while it is pending.
          last =
            (await testEnv.client
              .withAbortSignal(AbortSignal.timeout(2_000), () => handle.query(status))
              .catch(() => undefined)) ?? last;
          if (last && predicate(last)) return last;
          if (advance) await testEnv.sleep(advance);
          else await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
      },
    };
    return loop;
  };
}
