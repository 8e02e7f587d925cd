// Worker killed mid-training: SIGKILL the GPU worker process while `trainRound` runs; its trainer must die
// with it (no orphan), a new worker must pick the activity up after the heartbeat timeout and resume from
// the last checkpoint, and the loop must end exactly as an uninterrupted run of the same config does.
// POMONA_RELIABILITY_REPEAT=10 (npm run test:reliability) repeats the kill at different epochs.
import type { WorkflowHandleWithFirstExecutionRunId as WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAttemptRecords, summarizeAttempts } from '../../activities/training-attempts';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import type { LoopResult } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { annotateRound, labelledNames, leftoverPartials } from '../helpers/loop-driver';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { waitForNoProcess } from '../helpers/process-table';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import {
  KILL_TEST_CHECKPOINT_INTERVAL as INTERVAL,
  KILL_TEST_EPOCHS as EPOCHS,
  killTestConfig,
  repeatCount,
} from './kill-config';

const REPEAT = repeatCount();
jest.setTimeout(600_000 + REPEAT * 300_000);

let rig: ProcessRig;
let dataset: string;
let workspace: string;
let reference: { result: LoopResult; labelled: string[][] } | undefined;

beforeAll(async () => {
  // about processes and checkpoints, not learning: the stand-in trainer, 0.25 s an epoch
  rig = await startProcessRig({ env: standInTrainerEnv(0.25) });
  dataset = tinyOrchard(32, 1);
  workspace = tempWorkspace();
});

afterAll(async () => {
  await rig?.stop();
});

function start(project: string): Promise<WorkflowHandle<typeof activeLearningLoop>> {
  return rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [killTestConfig(project, workspace, dataset)],
  });
}

/** Trainer events of attempt 1 so far, read from the round's attempts log. */
async function highestEpochOfFirstAttempt(trainDir: string): Promise<number> {
  const summary = summarizeAttempts(await readAttemptRecords(trainDir));
  return Math.max(0, ...(summary.attempts[0]?.epochsCompleted ?? []));
}

async function trainActivitiesScheduled(handle: WorkflowHandle<typeof activeLearningLoop>): Promise<number> {
  const runIds = new Set([handle.firstExecutionRunId, (await handle.describe()).runId]);
  let count = 0;
  for (const runId of runIds) {
    const history = await rig.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    count += (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainRound',
    ).length;
  }
  return count;
}

test('reference: the same loop, uninterrupted', async () => {
  const handle = await start('reference');
  await annotateRound(handle, 1);
  await annotateRound(handle, 2);
  const result = await handle.result();
  const projectDir = path.join(workspace, 'reference');
  reference = { result, labelled: [labelledNames(projectDir, 1), labelledNames(projectDir, 2)] };
  expect(result).toMatchObject({ rounds: 2, labelled: 12, stopReason: 'max-rounds' });
  expect(
    summarizeAttempts(await readAttemptRecords(path.join(projectDir, 'rounds', '1', 'train'))).attempts,
  ).toHaveLength(1);
});

const kills = Array.from({ length: REPEAT }, (_, i) => i + 1);

test.each(kills)(
  'kill %i: SIGKILL of the GPU worker during training; a new worker resumes from the checkpoint',
  async (i) => {
    expect(reference).toBeDefined();
    const project = `worker-kill-${i}`;
    const projectDir = path.join(workspace, project);
    const trainDir = path.join(projectDir, 'rounds', '1', 'train');
    const handle = await start(project);
    await annotateRound(handle, 1);

    // Kill at a different place each repetition: just after a checkpoint, or up to a whole interval past it.
    const killAfterEpoch = INTERVAL + 1 + ((i - 1) % INTERVAL);
    const deadline = Date.now() + 300_000;
    while ((await highestEpochOfFirstAttempt(trainDir)) < killAfterEpoch) {
      if (Date.now() > deadline) throw new Error(`training never reached epoch ${killAfterEpoch}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const killedPid = rig.gpuWorker.pid;
    const killedAt = Date.now();
    await rig.gpuWorker.kill();

    // The trainer sees its stdin close and stops: no orphan trains on beside the retry.
    expect(await waitForNoProcess(trainDir, 15_000)).toEqual([]);

    const replacement = await rig.replaceGpuWorker();
    await annotateRound(handle, 2);
    const result = await handle.result();
    const recoveredSeconds = (Date.now() - killedAt) / 1000;

    // Final state equals the uninterrupted run's: rounds, metrics rounds and the labelled set of each round.
    expect(result.rounds).toBe(reference!.result.rounds);
    expect(result.labelled).toBe(reference!.result.labelled);
    expect(result.metrics.map((m) => m.round)).toEqual([1, 2]);
    expect([labelledNames(projectDir, 1), labelledNames(projectDir, 2)]).toEqual(reference!.labelled);

    // The attempts log: the killed worker's attempt never ended, the new worker's resumed from the newest
    // checkpoint, and the completed epochs run twice stay below one checkpoint interval.
    const summary = summarizeAttempts(await readAttemptRecords(trainDir));
    const [killed, resumed] = summary.attempts;
    expect(summary.attempts).toHaveLength(2);
    expect(killed).toMatchObject({ pid: killedPid, resumeFrom: 0, outcome: null });
    expect(resumed).toMatchObject({ pid: replacement.pid, outcome: 'done' });
    const lastCompleted = Math.max(...killed.epochsCompleted);
    expect(resumed.resumeFrom).toBe(Math.floor(lastCompleted / INTERVAL) * INTERVAL);
    expect(summary.epochsRedone).toBe(lastCompleted - resumed.resumeFrom);
    expect(summary.epochsRedone).toBeLessThanOrEqual(INTERVAL - 1);
    expect(new Set([...killed.epochsCompleted, ...resumed.epochsCompleted])).toEqual(
      new Set(Array.from({ length: EPOCHS }, (_, e) => e + 1)),
    );
    console.log(
      `worker kill ${i}: killed after epoch ${lastCompleted}, resumed from ${resumed.resumeFrom}, epochs re-done ${summary.epochsRedone} (+1 in progress), loop finished ${recoveredSeconds.toFixed(1)} s after the kill`,
    );

    // No duplicate round or artifact: one trainRound activity per round (the retry is an attempt, not a
    // new activity), two round folders, the checkpoints of one run, one train_log row per epoch, no temp files.
    expect(await trainActivitiesScheduled(handle)).toBe(2);
    expect(fs.readdirSync(path.join(projectDir, 'rounds')).sort()).toEqual(['1', '2']);
    const expectedWeights = Array.from(
      { length: EPOCHS / INTERVAL },
      (_, k) => `epoch_${String((k + 1) * INTERVAL).padStart(3, '0')}.pt`,
    );
    expect(fs.readdirSync(path.join(trainDir, 'weights')).sort()).toEqual(expectedWeights);
    const logRows = fs.readFileSync(path.join(trainDir, 'train_log.csv'), 'utf8').trim().split('\n').slice(1);
    expect(logRows.map((r) => Number(r.split(',')[0]))).toEqual(Array.from({ length: EPOCHS }, (_, e) => e + 1));
    expect(leftoverPartials(projectDir)).toEqual([]);
  },
);
