// The `tao` training backend: trainRound / inferImages / evaluate through NVIDIA TLT 3.0 or TAO YOLOv4,
// behind the same activity inputs and results as the torch trainer. Files of a round (all inside the
// project folder, which is mounted into the container):
//   rounds/<n>/tao-data/{train,validation}/{images,labels}   staged KITTI sets
//   rounds/<n>/train/experiment_spec.txt                     the spec of the latest attempt
//   rounds/<n>/train/weights/yolov4_<arch><n>_epoch_NNN.*    TAO's checkpoints (names never changed)
//   rounds/<n>/train/tao-complete-checkpoints.json           checkpoints known to be fully written
//   rounds/<n>/train/tao-train.log, tao-metrics.json, tao-classes.json, tao_mounts.json
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../core/io/atomic-write';
import { checkpointName, latestCheckpointName } from '../../core/tao/checkpoints';
import { evaluateArgs, inferenceArgs, inferenceLabelsDir, trainArgs } from '../../core/tao/command';
import type { TaoLogEvent } from '../../core/tao/log-parser';
import {
  mountsFile,
  PROJECT_MOUNT,
  taoMounts,
  toContainerPath,
  toHostPath,
  TaoPathError,
  type Mount,
} from '../../core/tao/mounts';
import { convertTaoPredictionFile, targetToPomonaClass } from '../../core/tao/predictions';
import type { TaoDialect } from '../../core/tao/settings';
import { layout } from '../../core/workspace-layout';
import { readLabelledSet } from '../labelled-set';
import type {
  InferInput,
  InferResult,
  TaoJob,
  TrainHeartbeat,
  TrainingProgress,
  TrainInput,
  TrainResult,
} from '../types';
import { stageImages, stageKittiSet, pairImagesWithLabels, type StagedKittiSet } from './staging';
import { classMapping, roundSpec, stagedDirs } from './round-spec';
import { runTaoTask, taoFailure, taoKey, type TaoRun } from './tao-process';
import { ErrorType } from '../../core/errors';
import { DATA_ROOTS_ENV, requireUnderRoots, WORKSPACE_ROOTS_ENV } from '../allowed-roots';

export const SPEC_FILE = 'experiment_spec.txt';
const COMPLETE_FILE = 'tao-complete-checkpoints.json';
const CLASSES_FILE = 'tao-classes.json';

interface ClassesRecord {
  mapping: [string, string][];
  classes: string[];
}

/** TAO's printed evaluation of the final model, kept beside pomona's own mAP (metrics.json). */
export interface TaoMetrics {
  epoch: number;
  map: number | null;
  ap: Record<string, number>;
  validationLoss: number | null;
  source: 'training' | 'evaluate';
}

export async function taoTrainRound(input: TrainInput, job: TaoJob): Promise<TrainResult> {
  const started = Date.now();
  const s = job.settings;
  const trainDir = layout.train(input.projectDir, input.round);
  const weightsDir = path.join(trainDir, 'weights');
  await fs.mkdir(weightsDir, { recursive: true });
  const mounts = taoMounts(input.projectDir, s.pretrainedModel, s.containerRoot);
  const inContainer = (p: string) => containerPath(p, mounts);

  // A retry resumes from the newest checkpoint whose writing finished (TAO writes checkpoints in place).
  const resume = await latestCompleteCheckpoint(trainDir);
  const { train, hasValidation } = await stageRound(input);
  if (!train.classes.length && !s.classMapping)
    throw ApplicationFailure.create({
      type: ErrorType.InvalidInput,
      nonRetryable: true,
      message: 'the labelled set has no boxes: TAO needs at least one class',
    });
  await writeJsonAtomic(path.join(trainDir, CLASSES_FILE), {
    mapping: classMapping(train.classes, s.classMapping),
    classes: train.classes,
  } satisfies ClassesRecord);
  const specFile = path.join(trainDir, SPEC_FILE);
  const spec = specOrFailure(() =>
    roundSpec({
      settings: s,
      projectDir: input.projectDir,
      round: input.round,
      epochs: input.epochs,
      minSteps: input.minSteps,
      checkpointInterval: input.checkpointInterval,
      seed: input.seed,
      inputSize: input.inputSize,
      batchSize: input.batchSize,
      labelled: train,
      hasValidation,
      start: resume
        ? { kind: 'resume', hostPath: path.join(weightsDir, resume.name) }
        : { kind: 'pretrain', hostPath: input.initWeights ?? s.pretrainedModel },
    }),
  );
  await writeFileAtomic(specFile, spec.text);
  const epochs = spec.epochs;
  const metricsFile = path.join(trainDir, 'tao-metrics.json');
  if (resume && resume.epoch >= epochs) {
    // The worker was lost after training had finished: nothing is left to train (TAO would be asked to
    // resume past its last epoch).
    log.info('TAO training of this round had finished', { checkpoint: resume.name });
    const weights = path.join(weightsDir, resume.name);
    if (!(await exists(metricsFile))) await writeJsonAtomic(metricsFile, await taoEvaluate(weights, job));
    return { weights, epochs, loss: null, seconds: (Date.now() - started) / 1000, resumedFromEpoch: resume.epoch };
  }
  if (resume) log.info('resuming TAO training', { checkpoint: resume.name, epoch: resume.epoch });

  const key = taoKey();
  const env = await prepareMounts(s.dialect, trainDir, mounts);
  const ctx = Context.current();
  let progress: TrainingProgress | null = null;
  let latest: TrainHeartbeat = { event: 'starting', round: input.round, epochs, progress };
  let loss: number | null = null;
  let checkpoint: string | null = resume ? path.join(weightsDir, resume.name) : null;
  let saving: { epoch: number; file: string } | null = null;
  let table: TaoMetrics | null = null;
  let validationLoss: number | null = null;
  const completed: string[] = [];
  // Records are written one after another, never interleaved (each rewrites the whole list).
  let recording = Promise.resolve();
  const record = (names: string[]) => {
    recording = recording.then(() => recordComplete(trainDir, names));
  };

  // Progress travels in heartbeat details only (`pomona status` reads the newest `epoch` one): no history events.
  const onEvent = (event: TaoLogEvent) => {
    // A checkpoint is whole once the tool prints anything after "saving model to".
    if (saving && event.type !== 'checkpoint-saving') {
      checkpoint = saving.file;
      completed.push(path.basename(saving.file));
      record([...completed]);
      progress = { round: input.round, epoch: saving.epoch, epochs, loss, checkpoint };
      const done = { event: 'epoch', round: input.round, epoch: saving.epoch, epochs, loss, checkpoint, progress };
      latest = done;
      ctx.heartbeat(done);
      saving = null;
    }
    if (event.type === 'step') {
      loss = event.loss;
      latest = {
        event: 'step',
        round: input.round,
        epoch: event.epoch,
        epochs: event.epochs,
        step: event.step,
        steps: event.steps,
        loss,
        checkpoint,
        progress,
      };
      ctx.heartbeat(latest);
    } else if (event.type === 'ap-table') {
      table = {
        epoch: Number(latest.epoch ?? 0),
        map: event.map,
        ap: event.ap,
        validationLoss: null,
        source: 'training',
      };
      ctx.heartbeat({ ...latest, event: 'ap', map: event.map, ap: event.ap });
    } else if (event.type === 'validation-loss') {
      validationLoss = event.value;
    } else if (event.type === 'checkpoint-saving') {
      saving = {
        epoch: event.epoch,
        file: toHostPath(event.path, mounts) ?? path.join(weightsDir, path.basename(event.path)),
      };
    }
  };

  let run: TaoRun;
  try {
    run = await runTaoTask({
      dialect: s.dialect,
      args: trainArgs({
        dialect: s.dialect,
        spec: inContainer(specFile),
        results: inContainer(trainDir),
        key,
        gpus: s.gpus,
        useAmp: s.useAmp,
      }),
      key,
      env,
      logFile: path.join(trainDir, 'tao-train.log'),
      onEvent,
      keepAlive: () => latest,
    });
  } finally {
    // Checkpoints seen complete are on record before a retry could look for them.
    await recording;
  }
  const finalName = checkpointName(s.arch, s.nlayers, epochs, s.dialect);
  const finalFile = path.join(weightsDir, finalName);
  const finalExists = await exists(finalFile);
  if (!run.passed || !finalExists) throw taoFailure('train', run, `${finalName} is missing`);
  record([...completed, finalName]);
  await recording;

  const printed = table as TaoMetrics | null;
  let metrics: TaoMetrics | null = printed ? { ...printed, validationLoss } : null;
  if (!metrics || metrics.epoch !== epochs) metrics = await taoEvaluate(finalFile, job);
  await writeJsonAtomic(metricsFile, metrics);
  return {
    weights: finalFile,
    epochs,
    loss,
    seconds: (Date.now() - started) / 1000,
    resumedFromEpoch: resume?.epoch ?? 0,
  };
}

/** `yolo_v4 evaluate` on the spec's validation sources: TAO's own AP table for a model. */
export async function taoEvaluate(model: string, job: TaoJob): Promise<TaoMetrics> {
  const s = job.settings;
  const trainDir = trainDirOf(model);
  const mounts = taoMounts(job.projectDir, s.pretrainedModel, s.containerRoot);
  const key = taoKey();
  let found: TaoMetrics | null = null;
  const run = await runTaoTask({
    dialect: s.dialect,
    args: evaluateArgs({
      dialect: s.dialect,
      spec: containerPath(await specOf(model), mounts),
      model: containerPath(model, mounts),
      key,
    }),
    key,
    env: await prepareMounts(s.dialect, trainDir, mounts),
    logFile: path.join(trainDir, 'tao-evaluate.log'),
    onEvent: (e) => {
      if (e.type === 'ap-table') found = { epoch: 0, map: e.map, ap: e.ap, validationLoss: null, source: 'evaluate' };
    },
  });
  const metrics = found as TaoMetrics | null;
  if (!run.passed || !metrics) throw taoFailure('evaluate', run, 'no AP table was printed');
  return metrics;
}

export async function taoInferImages(input: InferInput, job: TaoJob): Promise<InferResult> {
  const started = Date.now();
  const s = job.settings;
  const mounts = taoMounts(job.projectDir, s.pretrainedModel, s.containerRoot);
  const spec = await specOf(input.model);
  const classes = JSON.parse(
    await fs.readFile(path.join(trainDirOf(input.model), CLASSES_FILE), 'utf8'),
  ) as ClassesRecord;
  const stagedImages = `${input.outDir}.tao-images`;
  const results = `${input.outDir}.tao-results`;
  const tmp = `${input.outDir}.partial`;
  const names = await stageImages(input.imagesDir, stagedImages);
  await fs.rm(results, { recursive: true, force: true });
  // Both layouts' folders exist before launching (TLT 3.0 is given them as -o and -l).
  await fs.mkdir(inferenceLabelsDir(results), { recursive: true });
  await fs.mkdir(path.join(results, 'images_annotated'), { recursive: true });
  const key = taoKey();
  let seen = 0;
  const run = await runTaoTask({
    dialect: s.dialect,
    args: inferenceArgs({
      dialect: s.dialect,
      spec: containerPath(spec, mounts),
      model: containerPath(input.model, mounts),
      images: containerPath(stagedImages, mounts),
      out: containerPath(results, mounts),
      key,
      threshold: input.threshold,
    }),
    key,
    env: await prepareMounts(s.dialect, path.dirname(input.outDir), mounts),
    logFile: `${input.outDir}.tao-inference.log`,
    onEvent: () => seen++,
    keepAlive: () => ({ event: 'inference', images: names.length, lines: seen }),
  });
  const labelsDir = inferenceLabelsDir(results);
  const written = new Set(await fs.readdir(labelsDir).catch(() => [] as string[]));
  const missing = names.filter((n) => !written.has(`${n}.txt`));
  if (!run.passed || missing.length)
    throw taoFailure(
      'inference',
      run,
      `${missing.length} of ${names.length} label files are missing (e.g. ${missing[0]}.txt)`,
    );

  // Convert into a fresh folder and rename it into place, so a retry never sees half a result.
  const targetToClass = targetToPomonaClass(classes.mapping, classes.classes);
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  for (const name of names) {
    const file = path.join(labelsDir, `${name}.txt`);
    await fs.writeFile(
      path.join(tmp, `${name}.txt`),
      convertTaoPredictionFile(await fs.readFile(file, 'utf8'), file, targetToClass),
    );
  }
  await fs.rm(input.outDir, { recursive: true, force: true });
  await fs.rename(tmp, input.outDir);
  await fs.rm(stagedImages, { recursive: true, force: true });
  return { predictionsDir: input.outDir, images: names.length, seconds: (Date.now() - started) / 1000 };
}

/**
 * The round's labelled set and the project's fixed validation split, staged for the container. TAO needs
 * validation sources with raw KITTI; a project without a validation split validates on its training set,
 * as the seed's tutorial did (TAO's printed mAP is then optimistic).
 */
async function stageRound(input: TrainInput): Promise<{ train: StagedKittiSet; hasValidation: boolean }> {
  const dirs = stagedDirs(input.projectDir, input.round);
  const set = await readLabelledSet(input.labelledPath);
  const train = await stageKittiSet(set.images, dirs.train);
  const valImages = layout.validationImages(input.projectDir);
  const hasValidation = await exists(valImages);
  if (hasValidation)
    await stageKittiSet(
      await pairImagesWithLabels(valImages, layout.validationLabels(input.projectDir)),
      dirs.validation,
    );
  return { train, hasValidation };
}

/** A spec TAO would reject is an operator's problem: non-retryable, with every reason. */
function specOrFailure<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    // roundSpec is pure: whatever it throws, a retry would throw again.
    throw ApplicationFailure.create({
      type: err instanceof TaoPathError ? 'TaoMissingMount' : 'TaoBadSpec',
      nonRetryable: true,
      message: (err as Error).message,
    });
  }
}

function containerPath(hostPath: string, mounts: Mount[]): string {
  try {
    return toContainerPath(hostPath, mounts);
  } catch (err) {
    if (err instanceof TaoPathError)
      throw ApplicationFailure.create({ type: ErrorType.TaoMissingMount, nonRetryable: true, message: err.message });
    throw err;
  }
}

/**
 * Writes the mounts file where the launcher reads it: TAO 5 honours LAUNCHER_MOUNTS, so the file stays
 * in the round's folder; TLT 3.0 and TAO 3.x/4 read only ~/.tlt_mounts.json / ~/.tao_mounts.json, which
 * the GPU worker therefore owns (one TAO job at a time per worker). Mount sources must exist.
 */
async function prepareMounts(dialect: TaoDialect, dir: string, mounts: Mount[]): Promise<Record<string, string>> {
  // Only folders under the worker's allowed roots are ever mounted: the project under the workspace
  // roots, the pretrained model's folder (trainer.tao.pretrainedModel, a workflow input) under the data roots.
  for (const m of mounts) {
    const project = path.posix.basename(m.destination) === PROJECT_MOUNT;
    await requireUnderRoots(
      m.source,
      project ? 'the project folder' : 'trainer.tao.pretrainedModel',
      project ? WORKSPACE_ROOTS_ENV : DATA_ROOTS_ENV,
    );
    if (!(await exists(m.source)))
      throw ApplicationFailure.create({
        type: ErrorType.TaoMissingMount,
        nonRetryable: true,
        message: `mount source ${m.source} does not exist on the GPU worker`,
      });
  }
  const content = `${JSON.stringify(mountsFile(mounts, os.userInfo().uid, os.userInfo().gid), null, 2)}\n`;
  const own = path.join(dir, 'tao_mounts.json');
  await writeFileAtomic(own, content);
  if (dialect === 'tao5') return { LAUNCHER_MOUNTS: own };
  // HOME as the launcher's expanduser("~") reads it (and as this process's env says, which may differ
  // from the C-level environment os.homedir() reads under a test runner).
  await writeFileAtomic(
    path.join(process.env.HOME || os.homedir(), dialect === 'tlt3' ? '.tlt_mounts.json' : '.tao_mounts.json'),
    content,
  );
  return {};
}

async function latestCompleteCheckpoint(trainDir: string): Promise<{ name: string; epoch: number } | null> {
  const listed = await fs
    .readFile(path.join(trainDir, COMPLETE_FILE), 'utf8')
    .then((t) => JSON.parse(t) as string[])
    .catch(() => [] as string[]);
  const present = new Set(await fs.readdir(path.join(trainDir, 'weights')).catch(() => [] as string[]));
  return latestCheckpointName(listed.filter((n) => present.has(n)));
}

async function recordComplete(trainDir: string, names: string[]): Promise<void> {
  const file = path.join(trainDir, COMPLETE_FILE);
  const before = await fs
    .readFile(file, 'utf8')
    .then((t) => JSON.parse(t) as string[])
    .catch(() => [] as string[]);
  await writeJsonAtomic(file, [...new Set([...before, ...names])]);
}

/** A model's round folder: weights live in `<train>/weights/`. */
function trainDirOf(model: string): string {
  return path.dirname(path.dirname(model));
}

async function specOf(model: string): Promise<string> {
  const spec = path.join(trainDirOf(model), SPEC_FILE);
  if (!(await exists(spec)))
    throw ApplicationFailure.create({
      type: ErrorType.InvalidInput,
      nonRetryable: true,
      message: `${model}: no ${SPEC_FILE} beside its weights folder (not a model trained by pomona's tao backend)`,
    });
  return spec;
}

async function exists(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null)) !== null;
}
