// Server killed: SIGKILL the Temporal dev server (a process this test owns) while a loop waits for
// annotation, with a submission in flight, and again while it trains, for longer than the heartbeat
// timeout; restart it on the same SQLite file and port. The loop must go on, and each submission must be
// applied exactly once or refused to its caller, never lost silently.
import type { WorkflowHandle } from '@temporalio/client';
import * as path from 'node:path';
import { readAttemptRecords, summarizeAttempts } from '../../activities/training-attempts';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { annotationsSubmitted, status as statusQuery, submitAnnotations } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { groundTruthSubmission, labelledNames, leftoverPartials, waitForStatus } from '../helpers/loop-driver';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { waitForNoProcess } from '../helpers/process-table';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import { killTestConfig } from './kill-config';

// The training outage must outlast the heartbeat timeout; both are kept short (5 s, 8 s), so 48 epochs
// of the stand-in trainer (the test is about the server, not learning) at 0.5 s an epoch keep it running
// until the server is back. Checkpoints every 2 epochs, so the retry redoes at most one.
const EPOCH_SECONDS = 0.5;
const TRAINER = { minSteps: 0, epochs: 48, checkpointInterval: 2, device: 'cpu' } as const;
const HEARTBEAT_TIMEOUT_MS = 5_000;
const TRAINING_OUTAGE_MS = 8_000;

jest.setTimeout(1_500_000);

let rig: ProcessRig;
let dataset: string;
let workspace: string;

beforeAll(async () => {
  rig = await startProcessRig({ env: standInTrainerEnv(EPOCH_SECONDS) });
  dataset = tinyOrchard(32, 1);
  workspace = tempWorkspace();
});

afterAll(async () => {
  await rig?.stop();
});

async function scheduledActivities(
  handle: WorkflowHandle<typeof activeLearningLoop>,
  runId: string,
  type: string,
): Promise<number> {
  const history = await rig.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
    .length;
}

/**
 * Sends `submission` as an update, SIGKILLs the server 20 ms later and restarts it after `outageMs`.
 * Whatever the caller sees must be true: an outcome means the labels are in; an error means the status
 * tells whether they are (then nothing to do) or not (then `resubmit`, by default the update again).
 * Returns what happened, for the log.
 */
async function submitAcrossOutage(
  handle: WorkflowHandle<typeof activeLearningLoop>,
  submission: { round: number; labelsDir: string },
  outageMs: number,
  labelledAfter: number,
  resubmit: (s: typeof submission) => Promise<unknown> = (s) => handle.executeUpdate(submitAnnotations, { args: [s] }),
): Promise<string> {
  const update = handle.executeUpdate(submitAnnotations, { args: [submission] }).then(
    (result) => ({ result }),
    (error: Error) => ({ error }),
  );
  await new Promise((r) => setTimeout(r, 20));
  await outage(outageMs);
  const answer = await update;
  if ('result' in answer) {
    expect(answer.result).toMatchObject({ ok: true, labelledCount: labelledAfter });
    return `the caller got the import's outcome (ok, ${answer.result.labelledCount} labelled)`;
  }
  // The update may have arrived before the kill: then the loop is importing it (or done). Wait until
  // the status settles; a resubmission while importing would be answered "already imported" anyway.
  const status = await waitForStatus(handle, (s) => s.phase !== 'importing', 'status after the restart');
  const seen = `the caller got ${answer.error.name}: ${answer.error.message}`;
  if (status.labelled === labelledAfter) return `${seen}; status showed the labels imported`;
  expect(status).toMatchObject({ phase: 'awaiting-annotation', pendingBatch: { round: submission.round } });
  await resubmit(submission);
  await waitForStatus(handle, (s) => s.labelled === labelledAfter, `round ${submission.round} labels imported`);
  return `${seen}; status showed the batch still waiting; resubmitted, imported once`;
}

async function outage(ms: number): Promise<void> {
  await rig.server.kill();
  await new Promise((r) => setTimeout(r, ms));
  await rig.server.restart();
}

test('dev server SIGKILLed during annotation (update and signal in flight) and during training: the loop goes on, nothing lost or doubled', async () => {
  const project = 'server-kill';
  const projectDir = path.join(workspace, project);
  const handle = await rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [
      killTestConfig(project, workspace, dataset, {
        trainer: TRAINER,
        timeouts: { heartbeat: `${HEARTBEAT_TIMEOUT_MS / 1000}s`, train: '30m', infer: '30m' },
      }),
    ],
  });
  const firstRun = handle.firstExecutionRunId;

  // 1. An update sent, and the server killed 20 ms later for 2 s: within the client's retry budget
  //    (10 tries, about 15 s), so the SDK resends the same update id and the caller gets the outcome.
  const seen1 = await submitAcrossOutage(handle, await groundTruthSubmission(handle, 1), 2_000, 8);
  console.log(`update in flight, 2 s outage: ${seen1}`);
  await waitForStatus(handle, (s) => s.labelled === 8, 'round 1 labels imported');

  // 2. Killed while training, for longer than the heartbeat timeout: the server then times the attempt
  //    out and retries it; one trainer at a time, and the round completes.
  const trainDir = path.join(projectDir, 'rounds', '1', 'train');
  await waitForStatus(handle, (s) => s.phase === 'training', 'training', 120_000);
  const deadline = Date.now() + 120_000;
  while (
    Math.max(0, ...(summarizeAttempts(await readAttemptRecords(trainDir)).attempts[0]?.epochsCompleted ?? [])) < 2
  ) {
    if (Date.now() > deadline) throw new Error('training never reached epoch 2');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(TRAINING_OUTAGE_MS).toBeGreaterThan(HEARTBEAT_TIMEOUT_MS);
  await outage(TRAINING_OUTAGE_MS);

  // 3. An update in flight and a 20 s outage, beyond the client's retries: the caller gets an error (or
  //    the outcome), and the loop's status says whether the batch still waits. The resubmission is a
  //    signal, and the server is killed right after acknowledging it: a signal acknowledged is durable.
  const seen2 = await submitAcrossOutage(
    handle,
    await groundTruthSubmission(handle, 2, 900_000),
    20_000,
    12,
    async (submission) => {
      await handle.signal(annotationsSubmitted, submission);
      await outage(2_000);
    },
  );
  console.log(`update in flight, 20 s outage: ${seen2}`);
  const result = await handle.result();

  expect(result).toMatchObject({ rounds: 2, labelled: 12, stopReason: 'max-rounds' });
  expect(result.metrics.map((m) => m.round)).toEqual([1, 2]);
  // Exactly once: round 1 imported once (one importAnnotations in its run), and the labelled sets hold
  // each image once.
  expect(await scheduledActivities(handle, firstRun, 'importAnnotations')).toBe(1);
  expect(labelledNames(projectDir, 1)).toHaveLength(8);
  expect(new Set(labelledNames(projectDir, 2)).size).toBe(12);
  const final = await handle.query(statusQuery);
  expect(final.lastError).toBeNull();

  const attempts = summarizeAttempts(await readAttemptRecords(trainDir));
  console.log(
    `training across a ${TRAINING_OUTAGE_MS / 1000} s server outage: ${attempts.attempts.length} attempt(s) ${JSON.stringify(attempts.attempts.map((a) => ({ attempt: a.attempt, resumeFrom: a.resumeFrom, epochs: a.epochsCompleted.length, outcome: a.outcome })))}`,
  );
  expect(attempts.attempts[attempts.attempts.length - 1].outcome).toBe('done');
  // Attempts never overlap: every record belongs to the attempt started last, and each attempt ended
  // (done, cancelled or failed) before the next one started.
  let current = 0;
  for (const record of await readAttemptRecords(trainDir)) {
    if (record.event === 'start') {
      expect(attempts.attempts.find((a) => a.attempt === current)?.outcome ?? 'none-yet').not.toBeNull();
      current = record.attempt;
    }
    expect(record.attempt).toBe(current);
  }
  expect(await waitForNoProcess(trainDir, 5_000)).toEqual([]);
  expect(leftoverPartials(projectDir)).toEqual([]);
});
