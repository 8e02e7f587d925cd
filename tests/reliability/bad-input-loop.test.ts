// The bad-input table (docs/reliability.md), part 2: wrong messages and trainer failures, through a real
// loop on a real dev server with the real workers and the stand-in trainer (the trainer's process contract,
// no learning: the cases are about processes and messages). The loop never fails because of them and
// nothing labelled is lost.
import type { WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import {
  annotationsSubmitted,
  resume,
  status as statusQuery,
  submitAnnotations,
  type AnnotationSubmission,
} from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { submissionFailure, waitForQuery, waitForStatus } from '../helpers/loop-driver';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { useStandInTrainer } from '../helpers/stand-in-trainer';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { recordHistories } from '../helpers/record-history';
import { docRowIds } from './doc-rows';

jest.setTimeout(600_000);

useStandInTrainer(0.5);
const loopEnv = useLoopEnvironment();
let dataset: string;
let workspace: string;

beforeAll(() => {
  dataset = tinyOrchard(16, 5);
  workspace = tempWorkspace();
});

function config(project: string, trainer: LoopConfigInput['trainer']): LoopConfigInput {
  return {
    project,
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: { initial: { method: 'RANDOM', size: { nTotal: 6 } }, rounds: { size: { batchSize: 2 } } },
    embedding: { epochs: 1, dim: 8 },
    trainer: { minSteps: 0, device: 'cpu', checkpointInterval: 1, ...trainer },
    stop: { maxRounds: 1 },
  };
}

const submit = (handle: WorkflowHandle<typeof activeLearningLoop>, submission: AnnotationSubmission) =>
  handle.executeUpdate(submitAnnotations, { args: [submission] });

/** The validator's message for a refused update (it must be a non-retryable InvalidSubmission), or 'accepted'. */
const rejection = async (handle: WorkflowHandle<typeof activeLearningLoop>, submission: unknown): Promise<string> => {
  const f = await submissionFailure(handle, submission);
  if (f === 'accepted') return f;
  expect(f).toMatchObject({ type: 'InvalidSubmission', nonRetryable: true });
  return f.message;
};

/** Pids of live trainer processes whose command line contains `needle`. */
function trainerPids(needle: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
        return /(pomona|stand_in)_trainer/.test(cmd) && cmd.includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function killTrainer(needle: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    // What the kernel's OOM killer does: SIGKILL, no chance to clean up.
    let killed = 0;
    for (const pid of trainerPids(needle)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // gone between the listing and the kill
      }
    }
    if (killed) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no trainer process for ${needle} appeared`);
}

async function waitForFile(file: string, pattern: RegExp, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (fs.existsSync(file) && pattern.test(fs.readFileSync(file, 'utf8'))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pinned = new Set<string>();

test('wrong, duplicate and malformed annotation messages are refused with a reason; the loop keeps waiting', async () => {
  const handle = await loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: 'pomona-bad-messages',
    args: [config('bad-messages', { epochs: 1 })],
  });
  const waiting = await waitForQuery(handle, (s) => s.phase === 'awaiting-annotation', 'round 1 batch');
  const good = await writeGroundTruthLabels(waiting);

  pinned.add('message-wrong-round');
  expect(await rejection(handle, { round: 2, labelsDir: good })).toBe(
    'the batch waiting for annotation is round 1, not 2',
  );
  pinned.add('message-round-not-integer');
  expect(await rejection(handle, { round: '1', labelsDir: good })).toBe('round must be an integer');
  pinned.add('message-relative-labels-dir');
  expect(await rejection(handle, { round: 1, labelsDir: 'labels' })).toBe(
    'labelsDir must be an absolute path to a folder of labels (KITTI, YOLO, Pascal VOC or COCO)',
  );
  pinned.add('message-labels-dir-missing');
  // Validated and rejected: the update fails (no result with counts that would read like an import).
  const missing = await submissionFailure(handle, { round: 1, labelsDir: path.join(workspace, 'not-there') });
  expect(missing).toMatchObject({
    type: 'AnnotationsRejected',
    nonRetryable: true,
    problems: [`${path.join(workspace, 'not-there')}: not a folder`],
  });

  // A class outside `annotation.classes` (default: apple): refused with file:line, nothing imported.
  pinned.add('labels-unknown-class');
  const pear = path.join(workspace, 'pear-labels');
  fs.cpSync(good, pear, { recursive: true });
  const first = fs
    .readdirSync(pear)
    .filter((f) => f.endsWith('.txt') && fs.readFileSync(path.join(pear, f), 'utf8').trim())
    .sort()[0];
  fs.writeFileSync(path.join(pear, first), fs.readFileSync(path.join(pear, first), 'utf8').replace(/^apple /, 'pear '));
  const unknownClass = await submissionFailure(handle, { round: 1, labelsDir: pear });
  const pearProblem = `${path.join(pear, first)}:1: unknown class "pear" (expected apple)`;
  expect(unknownClass).toMatchObject({
    type: 'AnnotationsRejected',
    problems: [pearProblem],
    message: `round 1 labels rejected: 1 problem(s) in ${pear}: ${pearProblem}`,
  });
  expect(await handle.query(statusQuery)).toMatchObject({
    phase: 'awaiting-annotation',
    labelled: 0,
    annotationProblems: [pearProblem],
  });

  // The plain-CLI signal has no reply: a malformed one is ignored and said so in the status.
  pinned.add('message-unknown-signal-payload');
  // Deliberately malformed (no round, no labelsDir): the cast gets it past the signal's type.
  await handle.signal(annotationsSubmitted, { labels: good } as unknown as AnnotationSubmission);
  const ignored = await waitForQuery(
    handle,
    (s) => s.lastError !== null && s.lastError.startsWith('annotationsSubmitted ignored'),
    'the ignored signal in status',
  );
  expect(ignored.lastError).toBe(
    'annotationsSubmitted ignored: labelsDir must be an absolute path to a folder of labels (KITTI, YOLO, Pascal VOC or COCO)',
  );
  // The earlier rejection's problems are not left beside it, as if they were this message's.
  expect(ignored).toMatchObject({
    phase: 'awaiting-annotation',
    labelled: 0,
    pendingBatch: { round: 1 },
    annotationProblems: [],
  });

  expect(await submit(handle, { round: 1, labelsDir: good })).toMatchObject({ ok: true, labelledCount: 6 });
  pinned.add('message-duplicate-submission');
  expect(await rejection(handle, { round: 1, labelsDir: good })).toMatch(
    /^no batch is waiting for annotation \(phase: (training|importing|evaluating|inferring|completed), round 1\)$/,
  );

  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 1, labelled: 6, stopReason: 'max-rounds' });
  // tests/replay keeps this history: it takes the submission-rejection-fails-update patch.
  await recordHistories(loopEnv().client, 'pomona-bad-messages', 'bad-messages');
});

test('a trainer killed like the OOM killer does is retried, shown in status, and when hopeless pauses the loop without losing labels', async () => {
  const project = 'trainer-killed';
  const handle = await loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config(project, { epochs: 20, maxAttempts: 2 })],
  });
  const waiting = await waitForQuery(handle, (s) => s.phase === 'awaiting-annotation', 'round 1 batch');
  expect((await submit(handle, { round: 1, labelsDir: await writeGroundTruthLabels(waiting) })).ok).toBe(true);
  const trainDir = path.join(workspace, project, 'rounds', '1', 'train');

  // Attempt 1 of 2 dies: Temporal retries it; `pomona status` says so meanwhile (the pending activity's last failure).
  pinned.add('trainer-killed');
  await killTrainer(trainDir);
  const retrying = await waitForStatus(handle, (s) => s.lastError !== null, 'the failed attempt in pomona status');
  expect(retrying.lastError).toMatch(
    /^round 1 training attempt 1 of 2 failed: trainer train failed \(killed by SIGKILL\).*; Temporal retries it from the last checkpoint \(1 attempt\(s\) left\)$/,
  );
  expect(retrying).toMatchObject({ phase: 'training', labelled: 6, paused: false });

  // Attempt 2 dies too: the retries are spent, the loop pauses on this round instead of failing.
  pinned.add('trainer-hopeless');
  await killTrainer(trainDir);
  const paused = await waitForQuery(handle, (s) => s.paused, 'the loop paused after the last attempt');
  expect(paused.lastError).toMatch(
    /^round 1 training failed \(TrainerFailed: trainer train failed \(killed by SIGKILL\).*\); the loop is paused: fix the cause, then send resume/,
  );
  expect(paused).toMatchObject({ phase: 'training', labelled: 6, round: 1 });
  expect((await handle.describe()).status.name).toBe('RUNNING');
  expect(trainerPids(trainDir)).toEqual([]);

  // The operator resumes: a fresh training resumes from the last checkpoint and the round completes.
  await handle.signal(resume);
  // Progress reaches `pomona status` from the activity's heartbeat details, not from history.
  const progress = await waitForStatus(
    handle,
    (s) => (s.training?.epoch ?? 0) >= 1,
    'training progress in pomona status',
  );
  expect(progress.training).toMatchObject({ round: 1, epochs: 20 });
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 1, labelled: 6, stopReason: 'max-rounds' });
  const final = await handle.query(statusQuery);
  expect(final.lastError).toBeNull();
  await recordHistories(loopEnv().client, `pomona-${project}`, 'training-hopeless-resumed');
});

test('a hung trainer is ended by timeouts.train, killed, and the loop pauses; resume trains again from the last checkpoint', async () => {
  const project = 'trainer-hung';
  const trainerConfig = config(project, { epochs: 8, maxAttempts: 1 });
  const handle = await loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [{ ...trainerConfig, timeouts: { train: '15s' } }],
  });
  const waiting = await waitForQuery(handle, (s) => s.phase === 'awaiting-annotation', 'round 1 batch');
  expect((await submit(handle, { round: 1, labelsDir: await writeGroundTruthLabels(waiting) })).ok).toBe(true);
  const trainDir = path.join(workspace, project, 'rounds', '1', 'train');

  // A trainer stuck in a call that never returns (SIGSTOP): the worker still heartbeats, so only the
  // attempt's start-to-close timeout (`timeouts.train`) can end it.
  pinned.add('trainer-hung');
  await waitForFile(path.join(trainDir, 'attempts.jsonl'), /"epoch":2,/, 'epoch 2 in the attempts log');
  const hung = trainerPids(trainDir);
  expect(hung).toHaveLength(1);
  process.kill(hung[0], 'SIGSTOP');
  const paused = await waitForQuery(handle, (s) => s.paused, 'the loop paused after the training timeout', 120_000);
  expect(paused.lastError).toBe(
    'round 1 training failed (activity StartToClose timeout); the loop is paused: fix the cause, then send resume to train again from the last checkpoint, or stop',
  );
  expect(paused).toMatchObject({ phase: 'training', labelled: 6, round: 1 });
  // The timed-out attempt is cancelled on the worker, which kills the stopped trainer (SIGKILL after 10 s).
  const deadline = Date.now() + 60_000;
  while (trainerPids(trainDir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  expect(trainerPids(trainDir)).toEqual([]);

  await handle.signal(resume);
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 1, labelled: 6, stopReason: 'max-rounds' });
  const attempts = fs
    .readFileSync(path.join(trainDir, 'attempts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; resumeFrom?: number });
  const starts = attempts.filter((a) => a.event === 'start');
  expect(starts).toHaveLength(2);
  expect(starts[1].resumeFrom).toBeGreaterThanOrEqual(2);
});

test('docs/reliability.md has a row for every case pinned above', () => {
  const rows = docRowIds();
  expect([...pinned].filter((id) => !rows.has(id))).toEqual([]);
});
