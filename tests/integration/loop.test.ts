// The active-learning loop end to end on a real dev server, with the real workers and trainer on a tiny
// synthetic orchard: rounds with continue-as-new and files on disk, label validation, a reused project.
// Pause, resume, stop, a bad config and every other branch of the workflow: tests/workflow (seconds each).
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImportResult } from '../../activities/types';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { status as statusQuery, submitAnnotations, type LoopStatus } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { submissionFailure, type UpdateFailure } from '../helpers/loop-driver';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';

jest.setTimeout(600_000);

const loopEnv = useLoopEnvironment();
let dataset: string;
let workspace: string;

beforeAll(() => {
  dataset = tinyOrchard(32, 1);
  workspace = tempWorkspace();
});

function config(project: string, overrides: Partial<LoopConfigInput> = {}): LoopConfigInput {
  return {
    project,
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'CORESET', size: { nTotal: 6 } },
      rounds: { method: 'CORAL', size: { batchSize: 6 } },
    },
    embedding: { epochs: 1, dim: 8 },
    trainer: { minSteps: 0, epochs: 2, checkpointInterval: 1, device: 'cpu', inputSize: '128x64' },
    stop: { maxRounds: 2 },
    ...overrides,
  };
}

async function start(project: string, overrides: Partial<LoopConfigInput> = {}) {
  return loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config(project, overrides)],
  });
}

async function waitFor(
  handle: WorkflowHandle<typeof activeLearningLoop>,
  predicate: (s: LoopStatus) => boolean,
  what: string,
): Promise<LoopStatus> {
  const deadline = Date.now() + 300_000;
  let last: LoopStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // between runs of continueAsNew
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

async function annotate(handle: WorkflowHandle<typeof activeLearningLoop>): Promise<ImportResult> {
  const status = await waitFor(
    handle,
    (s) => s.phase === 'awaiting-annotation' && s.pendingBatch !== null,
    'a batch to annotate',
  );
  const labelsDir = await writeGroundTruthLabels(status);
  return handle.executeUpdate(submitAnnotations, { args: [{ round: status.pendingBatch!.round, labelsDir }] });
}

test('two rounds: bad labels are rejected with reasons, good ones imported, state carried across continue-as-new', async () => {
  const handle = await start('two-rounds');
  const waiting = await waitFor(handle, (s) => s.phase === 'awaiting-annotation', 'round 1 batch');
  expect(waiting.pendingBatch).toMatchObject({ round: 1, count: 6 });
  const listed = fs.readFileSync(waiting.pendingBatch!.imageListPath, 'utf8').trim().split('\n');
  expect(listed).toHaveLength(6);

  // A submission with a malformed line and a missing file is rejected; nothing is imported.
  const good = await writeGroundTruthLabels(waiting);
  const bad = path.join(workspace, 'bad-labels');
  fs.cpSync(good, bad, { recursive: true });
  const files = fs.readdirSync(bad).sort();
  fs.writeFileSync(path.join(bad, files[0]), 'apple 0 0 0 oops 1 2 3 0 0 0 0 0 0 0\n');
  fs.rmSync(path.join(bad, files[1]));
  const rejected = await submissionFailure(handle, { round: 1, labelsDir: bad });
  expect(rejected).toMatchObject({ type: 'AnnotationsRejected' });
  const problems = (rejected as UpdateFailure).problems!.join('\n');
  expect(problems).toContain(`${files[0]}:1`);
  expect(problems).toContain(path.basename(files[1], '.txt'));
  const after = await waitFor(
    handle,
    (s) => s.phase === 'awaiting-annotation' && s.annotationProblems.length > 0,
    'rejection in status',
  );
  expect(after.labelled).toBe(0);
  expect(after.annotationProblems.length).toBeGreaterThanOrEqual(2);

  // A submission for another round is refused before it reaches history.
  await expect(handle.executeUpdate(submitAnnotations, { args: [{ round: 7, labelsDir: good }] })).rejects.toThrow();

  const accepted = await handle.executeUpdate(submitAnnotations, { args: [{ round: 1, labelsDir: good }] });
  expect(accepted).toMatchObject({ ok: true, labelledCount: 6 });

  const round2 = await annotate(handle);
  expect(round2).toMatchObject({ ok: true, labelledCount: 12 });

  const result = await handle.result();
  expect(result.stopReason).toBe('max-rounds');
  expect(result.labelled).toBe(12);
  expect(result.metrics.map((m) => [m.round, m.labelled])).toEqual([
    [1, 6],
    [2, 12],
  ]);
  // Each round's metrics file holds what the result says, measured on the whole fixed validation split.
  const validation = fs.readdirSync(path.join(workspace, 'two-rounds', 'validation', 'labels'));
  expect(validation).toHaveLength(8);
  for (const m of result.metrics) {
    const file = JSON.parse(fs.readFileSync(m.metricsPath, 'utf8')) as { round: number; map50: number; images: number };
    expect(file).toMatchObject({ round: m.round, map50: m.map50, images: validation.length });
  }
  // Round 2 ran in a new run (continue-as-new) that carried the labelled set and round-1 metrics.
  const description = await handle.describe();
  expect(description.runId).not.toBe(handle.firstExecutionRunId);
  const projectDir = path.join(workspace, 'two-rounds');
  const labelled = JSON.parse(fs.readFileSync(path.join(projectDir, 'rounds', '2', 'labelled.json'), 'utf8')) as {
    images: { name: string }[];
  };
  expect(new Set(labelled.images.map((i) => i.name)).size).toBe(12);
  expect(
    fs.readdirSync(path.join(projectDir, 'rounds', '2', 'train', 'weights')).some((f) => /^epoch_\d+\.pt$/.test(f)),
  ).toBe(true);
});

test('a second loop on a finished project is refused instead of reusing its artifacts', async () => {
  const first = await start('reused', { stop: { maxRounds: 1 } });
  await annotate(first);
  await first.result();
  const second = await loopEnv().client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: 'pomona-reused-again',
    args: [config('reused')],
  });
  const error = await second.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  // WorkflowFailedError -> ActivityFailure -> ApplicationFailure(InvalidConfig)
  const activityFailure = (error as WorkflowFailedError).cause as Error & { cause?: Error };
  expect(activityFailure.cause?.message).toContain('belongs to an earlier loop');
});

test('no validation set: people label a random validation batch first (round 0), bad labels refused; round 1 evaluates on it', async () => {
  const handle = await start('validation-batch', {
    dataset: { path: dataset, validation: { annotate: 5 } },
    // evaluated with test-time flips and two scales: the real trainer takes the loop's inference flags
    trainer: { ...config('validation-batch').trainer, tta: true, inferScales: [0.75, 1] },
    stop: { maxRounds: 1 },
  });
  const waiting = await waitFor(handle, (s) => s.pendingBatch?.round === 0, 'the validation batch');
  expect(waiting).toMatchObject({ validation: 0, pool: 32, pendingBatch: { round: 0, count: 5 } });

  // Validated like any batch: a box outside its image is refused with file:line, nothing imported.
  const good = await writeGroundTruthLabels(waiting);
  const bad = path.join(workspace, 'bad-validation-labels');
  fs.cpSync(good, bad, { recursive: true });
  const [first] = fs.readdirSync(bad).sort();
  fs.writeFileSync(path.join(bad, first), 'apple 0 0 0 1 1 900 20 0 0 0 0 0 0 0\n');
  const rejected = await submissionFailure(handle, { round: 0, labelsDir: bad });
  expect((rejected as UpdateFailure).problems).toEqual([
    expect.stringMatching(new RegExp(`${first}:1: box .* lies outside`)),
  ]);
  await handle.executeUpdate(submitAnnotations, { args: [{ round: 0, labelsDir: good }] });

  const round1 = await waitFor(handle, (s) => s.pendingBatch?.round === 1, 'round 1 batch');
  expect(round1).toMatchObject({ validation: 5, pool: 27, labelled: 0 });
  const projectDir = path.join(workspace, 'validation-batch');
  const validationNames = fs.readdirSync(path.join(good)).map((f) => path.basename(f, '.txt'));
  const selected = JSON.parse(fs.readFileSync(path.join(projectDir, 'rounds', '1', 'selection.json'), 'utf8')) as {
    images: string[];
  };
  expect(selected.images.filter((n) => validationNames.includes(n))).toEqual([]);
  // The validation labels are the ones people submitted (round 0's import), linked for evaluation.
  expect(fs.readdirSync(path.join(projectDir, 'validation', 'labels')).sort()).toEqual(
    validationNames.map((n) => `${n}.txt`).sort(),
  );
  expect(fs.realpathSync(path.join(projectDir, 'validation', 'labels', `${validationNames[0]}.txt`))).toBe(
    path.join(projectDir, 'rounds', '0', 'annotations', `${validationNames[0]}.txt`),
  );
  await annotate(handle);
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 1, labelled: 6 });
  expect(result.metrics).toHaveLength(1);
  // Evaluated on exactly the five images people labelled in round 0, with their boxes.
  const metrics = JSON.parse(fs.readFileSync(result.metrics[0].metricsPath, 'utf8')) as {
    images: number;
    gt_boxes: number;
  };
  const submittedBoxes = validationNames
    .map(
      (n) =>
        fs
          .readFileSync(path.join(good, `${n}.txt`), 'utf8')
          .split('\n')
          .filter(Boolean).length,
    )
    .reduce((a, b) => a + b, 0);
  expect(metrics).toMatchObject({ images: 5, gt_boxes: submittedBoxes });
});
