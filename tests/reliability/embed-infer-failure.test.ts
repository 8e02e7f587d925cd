// Embedding and inference that keep failing: their retries are bounded by `trainer.maxEmbedInferAttempts`,
// then the loop pauses on the step with the reason in `status.lastError`, keeps everything labelled, and
// `resume` runs the step again. A real loop on a real dev server with the real workers and trainer; the
// trainer is started through a wrapper that makes the chosen runs exit non-zero, like a crash on start.
import type { WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainerPython } from '../../activities/trainer-process';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { layout } from '../../core/workspace-layout';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { resume, submitAnnotations } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { waitForQuery, waitForStatus } from '../helpers/loop-driver';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { useStandInTrainer } from '../helpers/stand-in-trainer';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { recordHistories } from '../helpers/record-history';
import { docRowIds } from './doc-rows';

jest.setTimeout(600_000);

// about the activities' handling of a failing trainer process: the stand-in trainer underneath
useStandInTrainer();
const loopEnv = useLoopEnvironment();
let dataset: string;
let workspace: string;
let faults: { failFile: string; logFile: string };
const savedPython = process.env.POMONA_PYTHON;

/**
 * A trainer interpreter that runs the trainer (here the stand-in), except when its arguments contain the text in
 * `failFile`: then it logs the run and exits 3 with a message, as a trainer that crashes on start does.
 */
function faultyTrainer(): { python: string; failFile: string; logFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pomona-faulty-trainer-'));
  const failFile = path.join(dir, 'fail-when');
  const logFile = path.join(dir, 'failed-runs.log');
  const python = path.join(dir, 'python');
  fs.writeFileSync(
    python,
    `#!/bin/sh
if [ -s '${failFile}' ]; then
  pattern=$(cat '${failFile}')
  case " $* " in
    *"$pattern"*) echo "$*" >> '${logFile}'; echo 'injected crash (test)' >&2; exit 3 ;;
  esac
fi
exec '${trainerPython()}' "$@"
`,
    { mode: 0o755 },
  );
  return { python, failFile, logFile };
}

/** From now on, trainer runs whose arguments contain `text` fail (null: none fails). */
function failWhen(text: string | null): void {
  if (text === null) fs.rmSync(faults.failFile, { force: true });
  else fs.writeFileSync(faults.failFile, text);
}

/** The injected failures so far whose arguments contain `text`. */
function failedRuns(text: string): number {
  const log = fs.existsSync(faults.logFile) ? fs.readFileSync(faults.logFile, 'utf8') : '';
  return log.split('\n').filter((line) => line.includes(text)).length;
}

beforeAll(() => {
  dataset = tinyOrchard(16, 5);
  workspace = tempWorkspace();
  const trainer = faultyTrainer();
  faults = trainer;
  // The in-process GPU worker starts the trainer with POMONA_PYTHON at each activity.
  process.env.POMONA_PYTHON = trainer.python;
});

afterAll(() => {
  if (savedPython === undefined) delete process.env.POMONA_PYTHON;
  else process.env.POMONA_PYTHON = savedPython;
});

const submit = (handle: WorkflowHandle<typeof activeLearningLoop>, round: number, labelsDir: string) =>
  handle.executeUpdate(submitAnnotations, { args: [{ round, labelsDir }] });

const pausedMessage = (what: string, command: string) =>
  new RegExp(
    `^${what} failed \\(TrainerFailed: trainer ${command} failed \\(exit code 3\\): injected crash \\(test\\)\\); the loop is paused: fix the cause, then send resume to run it again, or stop$`,
  );

const pinned = new Set<string>();

test('embedding and inference that keep failing pause the loop after maxEmbedInferAttempts; resume runs them again', async () => {
  const project = 'embed-infer-failure';
  const projectDir = path.join(workspace, project);
  const config: LoopConfigInput = {
    project,
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: { initial: { method: 'RANDOM', size: { nTotal: 6 } }, rounds: { size: { batchSize: 2 } } },
    embedding: { epochs: 1, dim: 8 },
    trainer: { minSteps: 0, epochs: 1, device: 'cpu', inputSize: '128x64', maxEmbedInferAttempts: 2 },
    stop: { maxRounds: 2 },
  };
  // Embedding: both attempts crash, the loop pauses while preparing; nothing is lost because nothing exists yet.
  pinned.add('embed-hopeless');
  failWhen(' embed ');
  const handle = await loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config],
  });
  // While Temporal retries, `pomona status` shows the failed attempt (from the pending activity).
  const retrying = await waitForStatus(
    handle,
    (s) => s.lastError !== null || s.paused,
    'the retried embedding in pomona status',
  );
  expect(retrying.lastError).toBe(
    'embedding the pool: attempt 1 failed: trainer embed failed (exit code 3): injected crash (test); Temporal is retrying (attempt 2)',
  );
  const embedPaused = await waitForQuery(handle, (s) => s.paused, 'the loop paused on the embedding');
  expect(embedPaused.lastError).toMatch(pausedMessage('embedding the pool', 'embed'));
  expect(embedPaused).toMatchObject({ phase: 'preparing', round: 1, labelled: 0 });
  expect(failedRuns(' embed ')).toBe(2);
  expect((await handle.describe()).status.name).toBe('RUNNING');
  failWhen(null);
  await handle.signal(resume);
  const waiting = await waitForQuery(
    handle,
    (s) => s.phase === 'awaiting-annotation',
    'round 1 batch after the resumed embedding',
  );
  expect(waiting.lastError).toBeNull();
  expect(fs.existsSync(layout.embeddings(projectDir))).toBe(true);

  // Validation inference after round 1's training: paused in `evaluating`, the 6 labelled images kept.
  pinned.add('infer-validation-hopeless');
  const validationOut = layout.validationPredictions(projectDir, 1);
  failWhen(validationOut);
  expect((await submit(handle, 1, await writeGroundTruthLabels(waiting))).ok).toBe(true);
  const valPaused = await waitForQuery(handle, (s) => s.paused, 'the loop paused on validation inference');
  expect(valPaused.lastError).toMatch(pausedMessage('round 1 inference on the validation images', 'infer'));
  expect(valPaused).toMatchObject({ phase: 'evaluating', round: 1, labelled: 6, metrics: [] });
  expect(failedRuns(validationOut)).toBe(2);

  // Resumed with the pool inference failing in turn: paused in `inferring`, round 1's metrics kept.
  pinned.add('infer-pool-hopeless');
  const poolOut = `--out ${layout.predictions(projectDir, 1)}.partial`;
  failWhen(poolOut);
  await handle.signal(resume);
  const poolPaused = await waitForQuery(
    handle,
    (s) => s.paused && s.phase === 'inferring',
    'the loop paused on pool inference',
  );
  expect(poolPaused.lastError).toMatch(pausedMessage('round 1 inference on the pool', 'infer'));
  expect(poolPaused).toMatchObject({ round: 1, labelled: 6 });
  expect(poolPaused.metrics).toHaveLength(1);
  expect(failedRuns(poolOut)).toBe(2);
  expect(failedRuns(validationOut)).toBe(2);

  // Fixed: resume, and the loop goes on to round 2 and completes.
  failWhen(null);
  await handle.signal(resume);
  const round2 = await waitForQuery(handle, (s) => s.round === 2 && s.phase === 'awaiting-annotation', 'round 2 batch');
  expect(round2).toMatchObject({ labelled: 6, paused: false, lastError: null });
  expect((await submit(handle, 2, await writeGroundTruthLabels(round2))).ok).toBe(true);
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 2, labelled: 8, stopReason: 'max-rounds' });
  expect(result.metrics.map((m) => m.round)).toEqual([1, 2]);
  await recordHistories(loopEnv().client, `pomona-${project}`, 'embed-infer-pauses');
});

test('docs/reliability.md has a row for every case pinned above', () => {
  const rows = docRowIds();
  expect([...pinned].filter((id) => !rows.has(id))).toEqual([]);
});
