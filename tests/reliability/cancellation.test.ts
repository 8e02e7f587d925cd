// Cancellation: `temporal workflow cancel` and `temporal workflow terminate` (the real CLI) while a loop
// trains. Either way the trainer process must stop soon (no orphan training on for hours), and the
// project's artifacts must stay whole: no temp or partial files, every JSON artifact readable.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAttemptRecords, summarizeAttempts } from '../../activities/training-attempts';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { annotateRound, leftoverPartials, waitForStatus } from '../helpers/loop-driver';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { processesMatching, waitForNoProcess } from '../helpers/process-table';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import { killTestConfig } from './kill-config';

jest.setTimeout(600_000);

// Long enough that it is still training when the loop is cancelled.
const TRAINER = { minSteps: 0, epochs: 200, checkpointInterval: 4, device: 'cpu' } as const;

let rig: ProcessRig;
let dataset: string;
let workspace: string;

beforeAll(async () => {
  // about processes, not learning: the stand-in trainer, 0.25 s an epoch (200 epochs: still training when cancelled)
  rig = await startProcessRig({ env: standInTrainerEnv(0.25) });
  dataset = tinyOrchard(32, 1);
  workspace = tempWorkspace();
});

afterAll(async () => {
  await rig?.stop();
});

/** Starts a loop, labels round 1 and returns once its trainer process runs and has completed an epoch. */
async function loopInTraining(project: string) {
  const handle = await rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [killTestConfig(project, workspace, dataset, { trainer: TRAINER })],
  });
  await annotateRound(handle, 1);
  await waitForStatus(handle, (s) => s.phase === 'training' && (s.training?.epoch ?? 0) >= 1, 'a training epoch');
  const trainDir = path.join(workspace, project, 'rounds', '1', 'train');
  expect(processesMatching(trainDir)).not.toEqual([]);
  return { handle, trainDir, projectDir: path.join(workspace, project) };
}

/** Every JSON artifact of the project parses, and nothing half-written is left. */
function expectArtifactsWhole(projectDir: string): void {
  expect(leftoverPartials(projectDir)).toEqual([]);
  const walk = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  const files = walk(projectDir);
  for (const file of files.filter((f) => f.endsWith('.json')))
    expect(() => JSON.parse(fs.readFileSync(file, 'utf8'))).not.toThrow();
  for (const name of ['manifest.json', 'rounds/1/selection.json', 'rounds/1/labelled.json'])
    expect(files).toContain(path.join(projectDir, name));
  const weights = fs.readdirSync(path.join(projectDir, 'rounds', '1', 'train', 'weights'));
  for (const name of weights) expect(name).toMatch(/^epoch_\d{3}\.pt$/);
}

test('temporal workflow cancel: the loop ends cancelled, its trainer stops, artifacts stay whole', async () => {
  const { handle, trainDir, projectDir } = await loopInTraining('cancelled');
  const cancelledAt = Date.now();
  await rig.server.cli('workflow', 'cancel', '-w', handle.workflowId);
  expect(await waitForNoProcess(trainDir, 30_000)).toEqual([]);
  const stoppedAfter = (Date.now() - cancelledAt) / 1000;
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  // The activity saw the cancellation, stopped the trainer and said so in the attempts log.
  const deadline = Date.now() + 15_000;
  let attempts = summarizeAttempts(await readAttemptRecords(trainDir)).attempts;
  while (attempts[0]?.outcome !== 'cancelled' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    attempts = summarizeAttempts(await readAttemptRecords(trainDir)).attempts;
  }
  expect(attempts).toHaveLength(1);
  expect(attempts[0].outcome).toBe('cancelled');
  console.log(
    `cancel: trainer gone ${stoppedAfter.toFixed(1)} s after \`temporal workflow cancel\`, after epoch ${Math.max(...attempts[0].epochsCompleted)}`,
  );
  expectArtifactsWhole(projectDir);
});

test('temporal workflow terminate: the trainer of the terminated loop stops too', async () => {
  const { handle, trainDir, projectDir } = await loopInTraining('terminated');
  const terminatedAt = Date.now();
  await rig.server.cli('workflow', 'terminate', '-w', handle.workflowId, '--reason', 'reliability test');
  expect((await handle.describe()).status.name).toBe('TERMINATED');
  // Nothing tells the worker about a termination; its next heartbeat finds the activity gone.
  expect(await waitForNoProcess(trainDir, 60_000)).toEqual([]);
  const stoppedAfter = (Date.now() - terminatedAt) / 1000;
  const attempts = summarizeAttempts(await readAttemptRecords(trainDir)).attempts;
  console.log(
    `terminate: trainer gone ${stoppedAfter.toFixed(1)} s after \`temporal workflow terminate\`; attempts ${JSON.stringify(attempts.map((a) => a.outcome))}`,
  );
  expect(attempts).toHaveLength(1);
  expectArtifactsWhole(projectDir);
});
