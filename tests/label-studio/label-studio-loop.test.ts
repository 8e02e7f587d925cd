// Loops that label in a real Label Studio server, with pomona as separate processes (dev server, CPU and GPU
// workers with the real trainer) and the real webhook receiver: the simulated annotator answers each batch
// in Label Studio through its API, webhooks wake the loop (its poll timer is set longer than the test), and
// the loop trains round after round. With the receiver down, polling alone completes a round. The API
// token, set only in the workers' environment, appears in no history, status, log or artifact.
import * as path from 'node:path';
import { WEBHOOK_SECRET_ENV, WEBHOOK_URL_ENV } from '../../activities/label-studio/hand-off';
import { LabelStudioClient, LABEL_STUDIO_TOKEN_ENV } from '../../activities/label-studio/label-studio-client';
import { runSimulatedAnnotator } from '../../cli/annotator/simulated-annotator';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { modelVersion } from '../../core/formats/label-studio';
import { startWebhookReceiver, type WebhookReceiver } from '../../worker/label-studio-webhooks';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { startTestLabelStudio, type TestLabelStudio } from '../helpers/label-studio';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { standInTrainerEnv } from '../helpers/stand-in-trainer';
import { fileViews, historyViews } from '../helpers/operator-views';
import { freePort } from '../helpers/temporal-server-process';

jest.setTimeout(600_000);

const root = tempWorkspace();
const WEBHOOK_SECRET = 'FAKE-webhook-secret-2c7d9e41b85a';
let ls: TestLabelStudio;
let rig: ProcessRig;
let receiver: WebhookReceiver | null = null;
let receiverPort: number;
let dataset: string;
const annotator = new AbortController();

beforeAll(async () => {
  ls = await startTestLabelStudio(root);
  receiverPort = await freePort();
  rig = await startProcessRig({
    env: {
      // about the hand-off to Label Studio and back, not learning: the stand-in trainer
      ...standInTrainerEnv(),
      [LABEL_STUDIO_TOKEN_ENV]: ls.server.token,
      [WEBHOOK_URL_ENV]: `http://127.0.0.1:${receiverPort}/label-studio`,
      [WEBHOOK_SECRET_ENV]: WEBHOOK_SECRET,
    },
  });
  receiver = await startWebhookReceiver({
    client: rig.client,
    secret: WEBHOOK_SECRET,
    port: receiverPort,
    log: () => {},
  });
  dataset = tinyOrchard(24, 5);
  // The simulated annotator needs the token as a person's browser session would have it.
  process.env[LABEL_STUDIO_TOKEN_ENV] = ls.server.token;
  void runSimulatedAnnotator(rig.client, { delayMs: 0, pollMs: 500, signal: annotator.signal, log: () => {} });
});

afterAll(async () => {
  annotator.abort();
  await receiver?.close();
  await rig?.stop();
  await ls?.stop();
  delete process.env[LABEL_STUDIO_TOKEN_ENV];
});

function config(project: string, pollEvery: string, maxRounds: number): LoopConfigInput {
  return {
    project,
    workspace: path.join(root, 'ws'),
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'CORESET', size: { nTotal: 6 } },
      rounds: { method: 'CORAL', size: { batchSize: 4 } },
    },
    embedding: { epochs: 1, dim: 8 },
    trainer: { minSteps: 0, epochs: 2, checkpointInterval: 1, device: 'cpu' },
    annotation: { tool: 'label-studio', labelStudio: { url: ls.server.url, filesRoot: root, pollEvery } },
    stop: { maxRounds },
  };
}

/** A loop of `project` labelled in the test's Label Studio. */
function startLoop(project: string, pollEvery: string, maxRounds: number) {
  return rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config(project, pollEvery, maxRounds)],
  });
}

test('webhooks wake the loop: two rounds annotated in Label Studio, with pre-labels; the token leaks nowhere', async () => {
  const project = 'ls-webhooks';
  // A poll timer longer than this test: only the webhooks can tell the loop the labels are in.
  const handle = await startLoop(project, '1h', 2);
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 2, labelled: 10, stopReason: 'max-rounds' });

  const client = new LabelStudioClient(ls.server.url, ls.server.token);
  const [lsProject] = await client.projectsTitled(`pomona ${project}`);
  const tasks = await client.tasks(lsProject.id);
  expect(tasks.filter((t) => t.data.pomona_round === 1)).toHaveLength(6);
  const second = tasks.filter((t) => t.data.pomona_round === 2);
  expect(second).toHaveLength(4);
  for (const t of second) {
    expect(t.annotations).toHaveLength(1);
    expect(t.predictions.map((p) => p.model_version)).toEqual([modelVersion(2)]);
  }
  expect((await client.webhooks(lsProject.id)).map((w) => w.url)).toEqual([
    `http://127.0.0.1:${receiverPort}/label-studio/pomona-${project}`,
  ]);

  // Everything an operator can see or find on disk, Label Studio's own state folder excepted.
  const runs = [handle.firstExecutionRunId, (await handle.describe()).runId];
  const visible = await historyViews(rig.server, handle.workflowId, runs);
  expect(visible[0].text).toContain('handOffToLabelStudio');
  visible.push({ what: 'worker logs', text: rig.workerLogs() }, ...fileViews(rig.dir, path.join(root, 'ws')));
  const leaks = visible.filter((v) => v.text.includes(ls.server.token) || v.text.includes(WEBHOOK_SECRET));
  expect(leaks.map((v) => v.what)).toEqual([]);
});

test('with the webhook receiver down, polling alone completes the round', async () => {
  await receiver?.close();
  receiver = null;
  const project = 'ls-polling';
  const handle = await startLoop(project, '2s', 1);
  const result = await handle.result();
  expect(result).toMatchObject({ rounds: 1, labelled: 6, stopReason: 'max-rounds' });
});
