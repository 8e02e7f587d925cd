// The loop end to end on the `tao` backend: a real dev server, the CPU worker in this process, and the GPU
// worker as a separate `pomona worker --queues gpu` process driving the TAO contract emulator (the
// stand-in for `tlt yolo_v4` on a docker+GPU host). The GPU worker is SIGKILLed mid-training; a new one
// picks up the retry after the heartbeat timeout and resumes with resume_model_path = the last whole
// checkpoint, file name intact. Round 2 starts from round 1's weights. The key never reaches history.
// Needs the built CLI (`npm run build`).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { writeGroundTruthLabels } from '../../cli/annotator/simulated-annotator';
import type { LoopConfigInput } from '../../core/config/loop-config';
import { repositoryRoot } from '../../core/io/repository-root';
import { createWorkers } from '../../worker/workers';
import { activeLearningLoop } from '../../workflows/active-learning-loop';
import { withTrainingActivity } from '../../cli/commands/status';
import { status as statusQuery, submitAnnotations, type LoopStatus } from '../../workflows/messages';
import { CPU_TASK_QUEUE } from '../../workflows/task-queues';
import { startDevServer, workflowBundle } from '../helpers/dev-server';
import { tempWorkspace, tinyOrchard } from '../helpers/orchard';

jest.setTimeout(600_000);

const KEY = 'integration-ngc-key-5f0e2a';
let env: TestWorkflowEnvironment;
let cpuWorker: Worker;
let cpuRunning: Promise<void>;
const gpuWorkers: ChildProcess[] = [];
const gpuOutput: string[] = [];
let home: string;

beforeAll(async () => {
  env = await startDevServer();
  [cpuWorker] = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    queues: ['cpu'],
    workflowBundle: await workflowBundle(),
  });
  cpuRunning = cpuWorker.run();
  home = tempWorkspace();
});

afterAll(async () => {
  for (const child of gpuWorkers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  cpuWorker?.shutdown();
  await cpuRunning;
  await env?.teardown();
});

/** `pomona worker --queues gpu` in its own process, configured by its environment as on a GPU host. */
function startGpuWorker(oracle: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(repositoryRoot(), 'bin', 'pomona.js'), 'worker', '--queues', 'gpu', '--log-level', 'WARN'],
    {
      cwd: repositoryRoot(),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace ?? 'default',
        HOME: home,
        NGC_API_KEY: KEY,
        POMONA_TAO_LAUNCHER: path.join(repositoryRoot(), 'tests', 'tao-emulator', 'tlt'),
        TAO_EMULATOR_EPOCH_SECONDS: '0.8',
        TAO_EMULATOR_ORACLE_LABELS: oracle,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => gpuOutput.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => gpuOutput.push(d.toString()));
  gpuWorkers.push(child);
  return child;
}

async function waitFor(
  handle: WorkflowHandle<typeof activeLearningLoop>,
  predicate: (s: LoopStatus) => boolean,
  what: string,
): Promise<LoopStatus> {
  const deadline = Date.now() + 300_000;
  let last: LoopStatus | undefined;
  while (Date.now() < deadline) {
    // As `pomona status` reads it: training progress comes from the training activity's heartbeats.
    last = await Promise.all([handle.query(statusQuery), handle.describe()])
      .then(([status, description]) => withTrainingActivity(status, description.raw.pendingActivities ?? []))
      .catch(() => last);
    if (last && predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

async function annotate(handle: WorkflowHandle<typeof activeLearningLoop>, round: number): Promise<void> {
  const status = await waitFor(
    handle,
    (s) => s.phase === 'awaiting-annotation' && s.pendingBatch?.round === round,
    `round ${round} batch`,
  );
  const labelsDir = await writeGroundTruthLabels(status);
  await handle.executeUpdate(submitAnnotations, { args: [{ round, labelsDir }] });
}

test('two rounds on the tao backend survive a GPU worker killed mid-training', async () => {
  const dataset = tinyOrchard(24, 5);
  const workspace = tempWorkspace();
  const pretrained = path.join(tempWorkspace(), 'tlt_pretrained_object_detection_vresnet18', 'resnet_18.hdf5');
  fs.mkdirSync(path.dirname(pretrained), { recursive: true });
  fs.writeFileSync(pretrained, 'pretrained backbone (stand-in)');
  const config: LoopConfigInput = {
    project: 'tao-orchard',
    workspace,
    dataset: { path: dataset, validation: { fraction: 0.25 } },
    selection: {
      initial: { method: 'RANDOM', size: { nTotal: 6 } },
      rounds: { method: 'CORAL', size: { batchSize: 6 } },
    },
    embedding: { epochs: 1, dim: 8 },
    trainer: {
      backend: 'tao',
      epochs: 6,
      minSteps: 0,
      checkpointInterval: 1,
      inputSize: '160x96',
      batchSize: 2,
      threshold: 0.05,
      tao: { dialect: 'tlt3', pretrainedModel: pretrained, anchors: 'kmeans' },
    },
    stop: { maxRounds: 2 },
    // Short, so the killed worker's training is retried soon; above the torch embedder's 10 s keep-alive.
    timeouts: { heartbeat: '15s' },
  };
  const projectDir = path.join(workspace, 'tao-orchard');
  const oracle = path.join(projectDir, 'ground-truth', 'labels');
  let gpu = startGpuWorker(oracle);
  const handle = await env.client.workflow.start(activeLearningLoop, {
    taskQueue: CPU_TASK_QUEUE,
    workflowId: 'pomona-tao-orchard',
    args: [config],
  });

  await annotate(handle, 1);
  // Mid-training: after at least two checkpoints were reported, kill the GPU worker outright.
  await waitFor(
    handle,
    (s) => s.phase === 'training' && (s.training?.epoch ?? 0) >= 2,
    'round 1 training past epoch 2',
  );
  gpu.kill('SIGKILL');
  await new Promise((resolve) => gpu.once('exit', resolve));
  const train1 = path.join(projectDir, 'rounds', '1', 'train');
  const complete = JSON.parse(fs.readFileSync(path.join(train1, 'tao-complete-checkpoints.json'), 'utf8')) as string[];
  const last = complete.sort().at(-1)!;
  expect(last).toMatch(/^yolov4_resnet18_epoch_00[2-5]\.tlt$/);
  expect(fs.readFileSync(path.join(train1, 'experiment_spec.txt'), 'utf8')).toContain(
    'pretrain_model_path: "/workspace/pomona/pretrained/resnet_18.hdf5"',
  );

  gpu = startGpuWorker(oracle);
  await waitFor(handle, (s) => s.phase !== 'training' || s.round !== 1, 'round 1 training to finish after the retry');
  const spec1 = fs.readFileSync(path.join(train1, 'experiment_spec.txt'), 'utf8');
  expect(spec1).toContain(`resume_model_path: "/workspace/pomona/project/rounds/1/train/weights/${last}"`);
  expect(spec1).not.toContain('pretrain_model_path');
  expect(spec1).toMatch(/small_anchor_shape: "\[\(\d+\.\d\d,\d+\.\d\d\),/);
  const attempts = fs.readFileSync(path.join(train1, 'tao-train.log'), 'utf8').match(/^=== .* attempt \d+:/gm) ?? [];
  expect(attempts).toHaveLength(2);

  await annotate(handle, 2);
  const result = await handle.result();
  expect(result).toMatchObject({ stopReason: 'max-rounds', rounds: 2, labelled: 12 });
  // Predictions come from the emulator's oracle (jittered ground truth), scored by pomona's own mAP.
  for (const m of result.metrics) expect(m.map50).toBeGreaterThan(0.5);
  const spec2 = fs.readFileSync(path.join(projectDir, 'rounds', '2', 'train', 'experiment_spec.txt'), 'utf8');
  expect(spec2).toContain(
    'pretrain_model_path: "/workspace/pomona/project/rounds/1/train/weights/yolov4_resnet18_epoch_006.tlt"',
  );
  // `pomona tao spec` prints exactly what the worker ran for round 2.
  const configFile = path.join(workspace, 'loop.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const printed = execFileSync(
    process.execPath,
    [path.join(repositoryRoot(), 'bin', 'pomona.js'), 'tao', 'spec', '--config', configFile, '--round', '2'],
    { encoding: 'utf8' },
  );
  expect(printed).toBe(spec2);
  const metrics2 = JSON.parse(fs.readFileSync(result.metrics[1].metricsPath, 'utf8')) as { tao?: { map: number } };
  expect(metrics2.tao?.map).toBeGreaterThan(0);

  // The key is the worker's: not in the workflow's history, nor in any log or artifact pomona wrote.
  const firstRun = env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
  // Payloads are base64 in the history's JSON form: decode them, or the search could not fail.
  const decoded = (key: string, value: unknown) =>
    key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  const history = JSON.stringify([await firstRun.fetchHistory(), await handle.fetchHistory()], decoded);
  expect(history).not.toContain(KEY);
  expect(history).toContain('\\"dialect\\":\\"tlt3\\"');
  expect(gpuOutput.join('')).not.toContain(KEY);
  const leaks: string[] = [];
  const scan = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) scan(p);
      else if (entry.isFile() && fs.readFileSync(p, 'utf8').includes(KEY)) leaks.push(p);
    }
  };
  scan(projectDir);
  expect(leaks).toEqual([]);
});
