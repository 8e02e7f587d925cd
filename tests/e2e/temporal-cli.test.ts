// The README's Temporal CLI commands, run with the real `temporal` binary against a real dev server and
// real workers: start a loop, query status, signal annotations, stop.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopStatus } from '../../workflows/messages';
import { temporalCli } from '../helpers/dev-server';
import { useLoopEnvironment } from '../helpers/loop-workers';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { useStandInTrainer } from '../helpers/stand-in-trainer';

jest.setTimeout(600_000);

// about the CLI and the messages, not learning: the stand-in trainer (the trainer's contract, 0.25 s an epoch)
useStandInTrainer();
const loopEnv = useLoopEnvironment();

// Asynchronous on purpose: the workers run in this process and must keep answering while the CLI waits.
async function temporal(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(temporalCli, [...args, '--address', loopEnv().address], {
    encoding: 'utf8',
  });
  return stdout;
}

/** A command expected to fail: its exit code and everything it printed. */
async function temporalFailing(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const out = await temporal(...args);
    return { code: 0, output: out };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

async function queryStatus(id: string): Promise<LoopStatus> {
  const out = JSON.parse(await temporal('workflow', 'query', '-w', id, '--name', 'status', '--output', 'json')) as {
    queryResult: LoopStatus[];
  };
  return out.queryResult[0];
}

async function waitForStatus(id: string, predicate: (s: LoopStatus) => boolean): Promise<LoopStatus> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const s = await queryStatus(id);
      if (predicate(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; last status ${JSON.stringify(s)}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('start, query, signal annotations and stop a loop with the temporal CLI', async () => {
  const workspace = tempWorkspace();
  const configFile = path.join(workspace, 'loop.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      project: 'cli',
      workspace,
      dataset: { path: tinyOrchard(24, 2) },
      selection: {
        initial: { method: 'RANDOM', size: { nTotal: 5 } },
        rounds: { method: 'RANDOM', size: { batchSize: 5 } },
      },
      embedding: { epochs: 1, dim: 8 },
      // 5 images are one step an epoch, so minSteps raises 1 epoch to 30: long enough to be seen in progress (below).
      trainer: { minSteps: 30, epochs: 1, checkpointInterval: 10, device: 'cpu' },
      stop: { maxRounds: 3 },
    }),
  );
  await temporal(
    'workflow',
    'start',
    '--type',
    'activeLearningLoop',
    '--task-queue',
    'pomona-cpu',
    '--workflow-id',
    'pomona-cli',
    '--input-file',
    configFile,
  );

  const waiting = await waitForStatus('pomona-cli', (s) => s.phase === 'awaiting-annotation');
  expect(waiting.pendingBatch?.round).toBe(1);
  const labelsDir = await writeGroundTruthLabels(waiting);
  const update = (input: unknown) =>
    temporalFailing(
      'workflow',
      'update',
      'execute',
      '-w',
      'pomona-cli',
      '--name',
      'submitAnnotations',
      '--input',
      JSON.stringify(input),
    );

  // A refusal cannot succeed on retry: a non-retryable application error with a type, and a failing exit.
  const wrongRound = await update({ round: 2, labelsDir });
  expect(wrongRound.code).not.toBe(0);
  expect(wrongRound.output).toContain('the batch waiting for annotation is round 1, not 2');
  expect(wrongRound.output).toContain('InvalidSubmission');
  expect(wrongRound.output).not.toMatch(/retryable: true/);

  // Labels with problems: the update fails (exit code), with the problems, and no counts that read like an import.
  const empty = path.join(path.dirname(labelsDir), 'empty-labels');
  fs.mkdirSync(empty, { recursive: true });
  const rejected = await update({ round: 1, labelsDir: empty });
  expect(rejected.code).not.toBe(0);
  expect(rejected.output).toContain('round 1 labels rejected: 5 problem(s)');
  expect(rejected.output).toContain('missing label file');
  expect(rejected.output).not.toContain('labelledCount');
  expect((await queryStatus('pomona-cli')).annotationProblems).toHaveLength(5);

  // An ignored signal leaves no stale problems of the earlier submission beside its own error.
  await temporal(
    'workflow',
    'signal',
    '-w',
    'pomona-cli',
    '--name',
    'annotationsSubmitted',
    '--input',
    JSON.stringify({ round: '1', labelsDir }),
  );
  const ignored = await waitForStatus(
    'pomona-cli',
    (s) => s.lastError?.startsWith('annotationsSubmitted ignored') ?? false,
  );
  expect(ignored.lastError).toBe('annotationsSubmitted ignored: round must be an integer');
  expect(ignored.annotationProblems ?? []).toEqual([]); // the CLI prints an empty list as null

  await temporal(
    'workflow',
    'signal',
    '-w',
    'pomona-cli',
    '--name',
    'annotationsSubmitted',
    '--input',
    JSON.stringify({ round: 1, labelsDir }),
  );

  // Training progress is in the training activity's heartbeat (no history event per epoch), which
  // `temporal workflow describe` shows; the status query's `training` stays null (README).
  type Described = {
    pendingActivities?: {
      activityType: { name: string };
      heartbeatDetails?: { progress?: { round: number; epoch: number; epochs: number } | null }[];
    }[];
  };
  const progressIn = (d: Described) =>
    d.pendingActivities?.find((a) => a.activityType.name === 'trainRound')?.heartbeatDetails?.[0]?.progress;
  const budget = '**cli** round 1: 1 epoch (at least 30 steps) on 5 images';
  let progress: ReturnType<typeof progressIn>;
  let details = '';
  let queriedWithProgress = 0; // status queries in phase training after the heartbeat carried progress
  for (
    const deadline = Date.now() + 120_000;
    Date.now() < deadline && !(progress && details.includes(budget) && queriedWithProgress);
  ) {
    progress ??= progressIn(
      JSON.parse(await temporal('workflow', 'describe', '-w', 'pomona-cli', '--output', 'json')) as Described,
    );
    const status = await queryStatus('pomona-cli');
    if (status.phase === 'training') {
      expect(status.training).toBeNull();
      if (progress) queriedWithProgress++;
    }
    // Current details: the phase and, while it trains, the budget and why it can exceed the config's epochs.
    if (!details.includes(budget)) details = await temporal('workflow', 'metadata', '-w', 'pomona-cli');
  }
  // The effective budget: the config's 1 epoch became 30, and the loop says why where it shows the phase.
  expect(progress).toMatchObject({ round: 1, epochs: 30 });
  expect(details).toContain(budget);
  expect(queriedWithProgress).toBeGreaterThan(0);

  const trained = await waitForStatus(
    'pomona-cli',
    (s) => s.labelled === 5 && s.round === 2 && s.phase === 'awaiting-annotation',
  );
  expect(trained.metrics).toHaveLength(1);
  expect(trained.pendingBatch?.round).toBe(2);
  await temporal('workflow', 'signal', '-w', 'pomona-cli', '--name', 'stop');

  const result = JSON.parse(await temporal('workflow', 'result', '-w', 'pomona-cli', '--output', 'json')) as {
    status: string;
    result: { stopReason: string; labelled: number };
  };
  expect(result.status).toMatch(/COMPLETED/);
  expect(result.result).toMatchObject({ stopReason: 'stop-signal', labelled: 5 });
  // Stopped while round 2 waited: the finished loop offers nothing to submit.
  const stopped = await queryStatus('pomona-cli');
  expect(stopped).toMatchObject({ phase: 'stopped', pendingBatch: null });
  expect(stopped.annotationProblems ?? []).toEqual([]);

  const listed = await temporal(
    'workflow',
    'list',
    '--query',
    "WorkflowType='activeLearningLoop' AND PomonaProject='cli'",
  );
  expect(listed).toContain('pomona-cli');
});
