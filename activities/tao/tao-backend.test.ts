// The tao backend in an activity context against the TAO contract emulator (tests/tao-emulator/): a
// round trains and infers in each dialect, a crashed attempt's retry resumes with resume_model_path,
// success needs "Execution status: PASS" and the files, known failures are non-retryable, and the key
// never appears in what pomona writes.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ingestDataset } from '../../core/dataset/ingest';
import { repositoryRoot } from '../../core/io/repository-root';
import { evaluateFolders } from '../../core/metrics/map';
import { taoSettingsSchema, type TaoDialect, type TaoSettingsInput } from '../../core/tao/settings';
import { tempWorkspace, tinyOrchard } from '../../tests/helpers/orchard';
import type { LabelledSet } from '../labelled-set';
import type { InferInput, TaoJob, TrainInput, TrainResult } from '../types';
import { CancelledFailure } from '@temporalio/common';
import { taoEvaluate, taoInferImages, taoTrainRound } from './tao-backend';

jest.setTimeout(180_000);

const KEY = 'emulator-test-key-8c1f';
const emulator = (launcher: 'tao' | 'tlt') => path.join(repositoryRoot(), 'tests', 'tao-emulator', launcher);
const saved = { ...process.env };
let dataset: string;

beforeAll(async () => {
  dataset = tinyOrchard(10, 3);
});

beforeEach(() => {
  process.env.HOME = tempWorkspace(); // the TLT 3.0 / TAO 4 launchers read ~/.t*_mounts.json
  process.env.NGC_API_KEY = KEY;
  process.env.TAO_EMULATOR_EPOCH_SECONDS = '0.05';
  process.env.TAO_EMULATOR_ORACLE_LABELS = '';
});

afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** A project with a labelled set of 6 images and a validation split of 4, as the loop lays it out. */
async function project(
  dialect: TaoDialect,
  settings: Partial<TaoSettingsInput> = {},
): Promise<{ train: TrainInput; job: TaoJob }> {
  process.env.POMONA_TAO_LAUNCHER = emulator(dialect === 'tlt3' ? 'tlt' : 'tao');
  const projectDir = path.join(tempWorkspace(), 'orchard');
  const manifest = await ingestDataset(dataset, path.join(projectDir, 'ground-truth', 'labels'));
  const [val, train] = [manifest.images.slice(0, 4), manifest.images.slice(4)];
  for (const [dir, pick] of [
    ['images', (i: (typeof val)[0]) => i.file],
    ['labels', (i: (typeof val)[0]) => i.labels!],
  ] as const) {
    fs.mkdirSync(path.join(projectDir, 'validation', dir), { recursive: true });
    for (const i of val)
      fs.symlinkSync(
        pick(i),
        path.join(projectDir, 'validation', dir, `${i.name}${dir === 'labels' ? '.txt' : path.extname(i.file)}`),
      );
  }
  fs.mkdirSync(path.join(projectDir, 'pool', 'images'), { recursive: true });
  for (const i of train) fs.symlinkSync(i.file, path.join(projectDir, 'pool', 'images', path.basename(i.file)));
  const labelled: LabelledSet = {
    round: 1,
    images: train.map((i) => ({ name: i.name, image: i.file, labels: i.labels!, round: 1 })),
  };
  const labelledPath = path.join(projectDir, 'labelled.json');
  fs.writeFileSync(labelledPath, JSON.stringify(labelled));
  const pretrained = path.join(tempWorkspace(), 'tlt_pretrained_object_detection_vresnet18', 'resnet_18.hdf5');
  fs.mkdirSync(path.dirname(pretrained), { recursive: true });
  fs.writeFileSync(pretrained, 'pretrained backbone');
  const job = { projectDir, settings: taoSettingsSchema.parse({ dialect, pretrainedModel: pretrained, ...settings }) };
  const train_: TrainInput = {
    projectDir,
    round: 1,
    labelledPath,
    epochs: 3,
    minSteps: 0,
    checkpointInterval: 1,
    device: 'auto',
    seed: 1,
    inputSize: '160x96',
    batchSize: 2,
    tao: job,
  };
  return { train: train_, job };
}

function runTrain(input: TrainInput, job: TaoJob, heartbeats: unknown[] = []): Promise<TrainResult> {
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  return env.run(taoTrainRound, input, job, () => undefined) as Promise<TrainResult>;
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

test.each(['tlt3', 'tao4', 'tao5'] as const)(
  "%s: a round trains, records TAO's mAP, and infers into pomona predictions",
  async (dialect) => {
    const { train, job } = await project(dialect);
    const heartbeats: { event?: string; epoch?: number }[] = [];
    const result = await runTrain(train, job, heartbeats);
    const ext = dialect === 'tao5' ? 'hdf5' : 'tlt';
    expect(path.basename(result.weights)).toBe(`yolov4_resnet18_epoch_003.${ext}`);
    expect(result).toMatchObject({ epochs: 3, resumedFromEpoch: 0 });
    expect(heartbeats.filter((h) => h.event === 'epoch').map((h) => h.epoch)).toEqual([1, 2, 3]);
    const trainDir = path.dirname(path.dirname(result.weights));
    const spec = fs.readFileSync(path.join(trainDir, 'experiment_spec.txt'), 'utf8');
    expect(spec).toContain('pretrain_model_path: "/workspace/pomona/pretrained/resnet_18.hdf5"');
    expect(spec.includes('matching_neutral_box_iou')).toBe(dialect !== 'tlt3');
    expect(JSON.parse(fs.readFileSync(path.join(trainDir, 'tao-metrics.json'), 'utf8'))).toMatchObject({
      epoch: 3,
      source: 'training',
      ap: { apple: expect.any(Number) },
    });

    process.env.TAO_EMULATOR_ORACLE_LABELS = path.join(job.projectDir, 'ground-truth', 'labels');
    const outDir = path.join(job.projectDir, 'rounds', '1', 'validation-predictions');
    const infer: InferInput = {
      model: result.weights,
      imagesDir: path.join(job.projectDir, 'validation', 'images'),
      outDir,
      threshold: 0.05,
      device: 'auto',
      tao: job,
    };
    const inferred = await new MockActivityEnvironment().run(taoInferImages, infer, job);
    expect(inferred).toMatchObject({ predictionsDir: outDir, images: 4 });
    expect(fs.readdirSync(outDir).sort()).toEqual(
      fs.readdirSync(path.join(job.projectDir, 'validation', 'labels')).sort(),
    );
    const line = fs
      .readFileSync(path.join(outDir, fs.readdirSync(outDir)[0]), 'utf8')
      .trim()
      .split('\n')[0];
    expect(line.split(' ')).toHaveLength(16);
    const scored = await evaluateFolders(path.join(job.projectDir, 'validation', 'labels'), outDir);
    expect(scored.map50).toBeGreaterThan(0.5);
    expect(fs.existsSync(`${outDir}.tao-images`)).toBe(false);
  },
);

test('a crashed attempt is retryable; the retry resumes from the last whole checkpoint, file name intact', async () => {
  const { train, job } = await project('tlt3');
  process.env.TAO_EMULATOR_FAIL = 'crash';
  process.env.TAO_EMULATOR_FAIL_AT_EPOCH = '3';
  const crashed = await failure(runTrain(train, job));
  expect(crashed.type).toBe('TaoFailed');
  expect(crashed.nonRetryable).toBe(false);
  delete process.env.TAO_EMULATOR_FAIL;
  const retried = await runTrain(train, job);
  expect(retried.resumedFromEpoch).toBe(2);
  const spec = fs.readFileSync(path.join(job.projectDir, 'rounds', '1', 'train', 'experiment_spec.txt'), 'utf8');
  expect(spec).toContain(
    'resume_model_path: "/workspace/pomona/project/rounds/1/train/weights/yolov4_resnet18_epoch_002.tlt"',
  );
  expect(spec).not.toContain('pretrain_model_path');

  // Lost after the end: a further retry returns the final checkpoint without launching the tool again.
  const log = path.join(job.projectDir, 'rounds', '1', 'train', 'tao-train.log');
  const attempts = () => (fs.readFileSync(log, 'utf8').match(/^=== /gm) ?? []).length;
  const before = attempts();
  const again = await runTrain(train, job);
  expect(again).toMatchObject({ resumedFromEpoch: 3, epochs: 3, weights: retried.weights });
  expect(attempts()).toBe(before);
});

test('exit code 0 without "Execution status: PASS", or PASS without the checkpoint, is a retryable failure', async () => {
  const { train, job } = await project('tao5');
  process.env.TAO_EMULATOR_FAIL = 'exit0-without-pass';
  const noPass = await failure(runTrain(train, job));
  expect(noPass).toMatchObject({ type: 'TaoFailed', nonRetryable: false });
  expect(noPass.message).toContain('no "Execution status: PASS"');
  process.env.TAO_EMULATOR_FAIL = 'pass-without-checkpoint';
  const noFile = await failure(runTrain({ ...train, round: 2 }, job));
  expect(noFile.message).toContain('yolov4_resnet18_epoch_003.hdf5 is missing');
});

test.each([
  ['a wrong key', 'TaoWrongKey', { TAO_EMULATOR_KEY: 'the-key-models-were-saved-with' }, {}],
  ['out of GPU memory', 'TaoOutOfGpuMemory', { TAO_EMULATOR_GPU_BATCH_LIMIT: '1' }, {}],
  ['a spec the installed version rejects', 'TaoBadSpec', { TAO_EMULATOR_INSTALLED: 'tlt3' }, {}],
  [
    'a mount source that does not exist',
    'TaoMissingMount',
    {},
    { pretrainedModel: '/nonexistent/models/resnet_18.hdf5' },
  ],
] as const)('%s is a clear non-retryable error', async (_what, type, env, settings) => {
  const { train, job } = await project('tao4', settings);
  Object.assign(process.env, env);
  const error = await failure(runTrain(train, job));
  expect(error).toMatchObject({ type, nonRetryable: true });
  expect(error.message).not.toContain(KEY);
});

test('a pretrained model outside the data roots is never mounted', async () => {
  const { train, job } = await project('tao4');
  // The project is under the workspace root; the model's folder (a workflow input) is not under the data root.
  process.env.POMONA_WORKSPACE_ROOTS = path.dirname(train.projectDir);
  process.env.POMONA_DATA_ROOTS = path.join(tempWorkspace(), 'models');
  const error = await failure(runTrain(train, job));
  expect(error).toMatchObject({ type: 'PathNotAllowed', nonRetryable: true });
  expect(error.message).toMatch(
    /^trainer\.tao\.pretrainedModel: \/.*tlt_pretrained_object_detection_vresnet18 is outside the folders this worker may use \(POMONA_DATA_ROOTS=\/.*\/models\)$/,
  );
  expect(fs.existsSync(path.join(process.env.HOME!, '.tao_mounts.json'))).toBe(false);

  process.env.POMONA_DATA_ROOTS = path.dirname(path.dirname(job.settings.pretrainedModel));
  await expect(runTrain(train, job)).resolves.toMatchObject({ epochs: 3 });
});

test('a spec TAO would reject is refused before launching', async () => {
  const { train, job } = await project('tao5');
  const error = await failure(runTrain({ ...train, inputSize: '150x96' }, job));
  expect(error).toMatchObject({ type: 'TaoBadSpec', nonRetryable: true });
  expect(error.message).toContain('output_width = 150');
  expect(fs.existsSync(path.join(job.projectDir, 'rounds', '1', 'train', 'tao-train.log'))).toBe(false);
});

test('the key comes from the worker environment only and is redacted from the logs', async () => {
  const { train, job } = await project('tlt3');
  delete process.env.NGC_API_KEY;
  expect(await failure(runTrain(train, job))).toMatchObject({ type: 'TaoKeyMissing', nonRetryable: true });
  process.env.NGC_API_KEY = KEY;
  const result = await runTrain(train, job);
  const trainDir = path.dirname(path.dirname(result.weights));
  const log = fs.readFileSync(path.join(trainDir, 'tao-train.log'), 'utf8');
  expect(log).toContain('Running command in container: yolo_v4 train');
  expect(log).toContain('-k <key>');
  for (const file of fs.readdirSync(trainDir).filter((f) => !f.startsWith('weights'))) {
    if (fs.statSync(path.join(trainDir, file)).isFile())
      expect(fs.readFileSync(path.join(trainDir, file), 'utf8')).not.toContain(KEY);
  }
});

test("evaluate runs TAO's evaluate task on a trained model and reads its AP table", async () => {
  const { train, job } = await project('tao5');
  const trained = await runTrain(train, job);
  const metrics = await new MockActivityEnvironment().run(taoEvaluate, trained.weights, job);
  expect(metrics).toEqual({ epoch: 0, map: 0.6, ap: { apple: 0.6 }, validationLoss: null, source: 'evaluate' });
});

test('cancelling the activity stops the tool; k-means anchors come from the labelled boxes', async () => {
  const { train, job } = await project('tao4', { anchors: 'kmeans' });
  process.env.TAO_EMULATOR_EPOCH_SECONDS = '1';
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: { event?: string; epoch?: number }) => {
    if (d?.event === 'epoch' && d.epoch === 1) env.cancel();
  });
  const started = Date.now();
  const error = await env.run(taoTrainRound, { ...train, epochs: 100 }, job, () => undefined).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CancelledFailure);
  expect(Date.now() - started).toBeLessThan(30_000);
  const trainDir = path.join(job.projectDir, 'rounds', '1', 'train');
  const running = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((p) => {
      try {
        return (
          fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('tao-emulator') &&
          fs.readFileSync(`/proc/${p}/environ`, 'utf8').includes(job.projectDir)
        );
      } catch {
        return false;
      }
    });
  expect(running).toBe(false);
  const spec = fs.readFileSync(path.join(trainDir, 'experiment_spec.txt'), 'utf8');
  expect(spec).not.toContain('(15.64,12.00)');
  expect(spec).toMatch(/small_anchor_shape: "\[\(\d+\.\d\d,\d+\.\d\d\),\(/);
});
