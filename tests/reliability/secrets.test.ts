// Secrets stay in the worker's environment: with fake NGC and Lightly credentials set in both worker
// processes (the variable names TAO's launcher, the ngc CLI and Lightly read), a loop runs, and neither
// value may appear in its history (`temporal workflow show --output json`, every run), its status and
// description, the workers' logs, the server's SQLite file and log, or any artifact of the project.
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { annotateRound } from '../helpers/loop-driver';
import { fileViews, historyViews } from '../helpers/operator-views';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';
import { startProcessRig, type ProcessRig } from '../helpers/process-rig';
import { killTestConfig } from './kill-config';

jest.setTimeout(600_000);

const SECRETS = {
  NGC_API_KEY: 'nvapi-FAKE-ngc-key-3f9c2e7a51d04b8e',
  NGC_CLI_API_KEY: 'FAKE-ngc-cli-key-8d1e6b0c4a7f2935',
  LIGHTLY_TOKEN: 'FAKE-lightly-token-5b2f8e1d9c3a7064',
};

let rig: ProcessRig;

beforeAll(async () => {
  rig = await startProcessRig({ env: SECRETS });
});

afterAll(async () => {
  await rig?.stop();
});

test('fake NGC and Lightly credentials in the workers never reach history, logs or artifacts', async () => {
  const workspace = tempWorkspace();
  const project = 'secrets';
  const config = killTestConfig(project, workspace, tinyOrchard(24, 3), {
    trainer: { minSteps: 0, epochs: 2, checkpointInterval: 1, device: 'cpu', inputSize: '128x64' },
    stop: { maxRounds: 2 },
  });
  const handle = await rig.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: `pomona-${project}`,
    args: [config],
  });
  await annotateRound(handle, 1);
  await annotateRound(handle, 2);
  const result = await handle.result();
  expect(result.rounds).toBe(2);

  // What an operator or the Web UI can see: each run's full history, the description, the status.
  const runs = [handle.firstExecutionRunId, (await handle.describe()).runId];
  expect(new Set(runs).size).toBe(2);
  const visible = await historyViews(rig.server, handle.workflowId, runs);
  visible.push({
    what: 'workflow describe',
    text: await rig.server.cli('workflow', 'describe', '-w', handle.workflowId, '--output', 'json'),
  });
  visible.push({
    what: 'status query',
    text: await rig.server.cli('workflow', 'query', '-w', handle.workflowId, '--name', 'status', '--output', 'json'),
  });
  expect(visible[0].text).toContain('prepareProject');
  // Everything written to disk: worker logs, the server's state and log, every file of the project.
  visible.push({ what: 'worker logs', text: rig.workerLogs() });
  expect(rig.workerLogs()).toContain('pomona worker: polling');
  visible.push(...fileViews(rig.dir, workspace));
  expect(visible.some((v) => v.what.endsWith('temporal.db'))).toBe(true);
  expect(visible.some((v) => v.what.endsWith('attempts.jsonl'))).toBe(true);

  const leaks = visible.flatMap((v) =>
    Object.entries(SECRETS)
      .filter(([, secret]) => v.text.includes(secret))
      .map(([name]) => `${name} in ${v.what}`),
  );
  expect(leaks).toEqual([]);
  console.log(
    `secrets: checked ${visible.length} sources (${runs.length} histories, describe, status, worker logs, server db/log, project files): no leak`,
  );
});
