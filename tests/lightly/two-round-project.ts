// A real two-round project for the LightlyStudio tests: a tiny synthetic orchard, a dev server, pomona's
// workers with the stand-in trainer (tests/stand-in-trainer: real embeddings CSV, KITTI predictions with
// scores), both batches answered with the orchard's ground truth. What is left is the project folder,
// exactly as a loop leaves it, and the loop's last status. `config` adds to the loop's config (e.g.
// `lightly: { enabled: true }`); `record` names its histories for tests/replay (POMONA_RECORD_HISTORIES).
import * as path from 'node:path';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { status, type LoopStatus } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { startDevServer } from '../helpers/dev-server';
import { recordHistories } from '../helpers/record-history';
import { annotateRound } from '../helpers/loop-driver';
import { runLoopWorkers } from '../helpers/loop-workers';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';

/** Runs the loop to its end (2 rounds of 4 images, 16 images of which a quarter validation); returns the project folder. */
export async function twoRoundProject(project = 'lightly-two-rounds'): Promise<string> {
  return (await twoRoundLoop(project)).projectDir;
}

export async function twoRoundLoop(
  project: string,
  options: { config?: Partial<LoopConfigInput>; record?: string } = {},
): Promise<{ projectDir: string; status: LoopStatus }> {
  const dataset = tinyOrchard(16, 7);
  const workspace = tempWorkspace();
  const saved = { ...process.env };
  Object.assign(process.env, standInTrainerEnv(0.05));
  const env = await startDevServer();
  const workers = await runLoopWorkers(env);
  try {
    const config: LoopConfigInput = {
      project,
      workspace,
      dataset: { path: dataset, validation: { fraction: 0.25 } },
      selection: {
        initial: { method: 'CORESET', size: { nTotal: 4 } },
        rounds: { method: 'CORAL', size: { batchSize: 4 } },
      },
      embedding: { epochs: 1, dim: 8 },
      trainer: { minSteps: 0, epochs: 1, device: 'cpu', inputSize: '128x64' },
      stop: { maxRounds: 2 },
      ...options.config,
    };
    const handle = await env.client.workflow.start(activeLearningLoop, {
      taskQueue: CPU_TASK_QUEUE,
      workflowId: `pomona-${project}`,
      args: [config],
    });
    await annotateRound(handle, 1);
    await annotateRound(handle, 2);
    await handle.result();
    if (options.record) await recordHistories(env.client, handle.workflowId, options.record);
    return { projectDir: path.join(workspace, project), status: await handle.query(status) };
  } finally {
    await workers.stop();
    await env.teardown();
    for (const key of Object.keys(standInTrainerEnv())) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}
