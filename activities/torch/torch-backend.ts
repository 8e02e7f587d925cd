// The torch backend (beside activities/tao/): the reference detector (trainer/, `python -m pomona_trainer`) trains a round and infers,
// as a child process of the GPU worker; a retry resumes from the round's newest complete checkpoint.
import { Context, log } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { layout } from '../../core/workspace-layout';
import { readLabelledSet } from '../labelled-set';
import { appendAttemptRecord } from '../training-attempts';
import { heartbeatEach, runTrainer, trainerArgs } from '../trainer-process';
import type { InferInput, InferResult, TrainHeartbeat, TrainInput, TrainingProgress, TrainResult } from '../types';

export async function torchTrainRound(input: TrainInput): Promise<TrainResult> {
  const started = Date.now();
  const outDir = layout.train(input.projectDir, input.round);
  const weightsDir = path.join(outDir, 'weights');
  // A retry resumes from the newest checkpoint; if that run had finished (worker lost before reporting),
  // the trainer sees nothing left to train and returns the final checkpoint at once.
  const last = await latestCheckpoint(weightsDir);
  const data = await stageTrainingData(input);
  if (last) log.info('resuming training from checkpoint', { checkpoint: last.file, epoch: last.epoch });
  let loss: number | null = null;
  let final: string | null = null;
  let epochs = input.epochs;
  let progress: TrainingProgress | null = null;
  let beat: TrainHeartbeat = { round: input.round, progress };
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  // Epoch records are appended in order, one after the other, while the trainer runs.
  let records: Promise<void> = Promise.resolve();
  await appendAttemptRecord(outDir, { event: 'start', attempt, pid: process.pid, resumeFrom: last?.epoch ?? 0 });
  // Progress travels only in heartbeat details (`pomona status` reads them from the pending activity):
  // a signal per epoch would add history events to every round for as long as training runs.
  const run = runTrainer(
    trainerArgs('train', {
      images: data.images,
      labels: data.labels,
      out: outDir,
      epochs: input.epochs,
      minSteps: input.minSteps,
      checkpointInterval: input.checkpointInterval,
      seed: input.seed,
      device: input.device,
      inputSize: input.inputSize,
      batchSize: input.batchSize,
      scale: input.scale,
      backbone: input.backbone,
      classes: input.classes?.join(','),
      ...(last ? { resume: last.file } : input.initWeights ? { init: input.initWeights } : {}),
    }),
    (event) => {
      if (event.event === 'epoch') {
        loss = typeof event.loss === 'number' ? event.loss : null;
        const checkpoint = typeof event.checkpoint === 'string' ? event.checkpoint : null;
        records = records.then(() =>
          appendAttemptRecord(outDir, { event: 'epoch', attempt, epoch: Number(event.epoch), checkpoint }),
        );
        progress = { round: input.round, epoch: Number(event.epoch), epochs: Number(event.epochs), loss, checkpoint };
      } else if (event.event === 'done' && typeof event.checkpoint === 'string') {
        final = event.checkpoint;
        if (typeof event.epochs === 'number') epochs = event.epochs;
      }
      beat = { ...event, round: input.round, progress };
      ctx.heartbeat(beat);
    },
    () => beat,
  );
  try {
    await run;
  } catch (err) {
    await records;
    const outcome = err instanceof CancelledFailure ? 'cancelled' : 'failed';
    await appendAttemptRecord(outDir, {
      event: 'end',
      attempt,
      outcome,
      message: (err as Error).message.slice(0, 300),
    });
    throw err;
  }
  await records;
  await appendAttemptRecord(outDir, { event: 'end', attempt, outcome: 'done' });
  const weights = final ?? (await latestCheckpoint(weightsDir))?.file;
  if (!weights) throw new Error(`trainer finished without a checkpoint in ${weightsDir}`);
  return { weights, epochs, loss, seconds: (Date.now() - started) / 1000, resumedFromEpoch: last?.epoch ?? 0 };
}

export async function torchInferImages(input: InferInput): Promise<InferResult> {
  const started = Date.now();
  // Infer into a fresh temp folder and rename it into place, so a retry never sees half a result.
  const tmp = `${input.outDir}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  const run = await runTrainer(
    trainerArgs('infer', {
      model: input.model,
      images: input.imagesDir,
      out: tmp,
      threshold: input.threshold,
      scales: input.scales?.join(','),
      tta: input.tta,
      device: input.device,
    }),
    heartbeatEach,
  );
  await fs.rm(input.outDir, { recursive: true, force: true });
  await fs.rename(tmp, input.outDir);
  const done = run.events.find((e) => e.event === 'done');
  const images = typeof done?.images === 'number' ? done.images : (await fs.readdir(input.outDir)).length;
  return { predictionsDir: input.outDir, images, seconds: (Date.now() - started) / 1000 };
}

/** The highest-epoch complete checkpoint (`epoch_NNN.pt`; the trainer writes them atomically). */
export async function latestCheckpoint(weightsDir: string): Promise<{ file: string; epoch: number } | null> {
  let names: string[];
  try {
    names = await fs.readdir(weightsDir);
  } catch {
    return null;
  }
  let best: { file: string; epoch: number } | null = null;
  for (const name of names) {
    const match = /^epoch_(\d+)\.pt$/.exec(name);
    if (match && (!best || Number(match[1]) > best.epoch))
      best = { file: path.join(weightsDir, name), epoch: Number(match[1]) };
  }
  return best;
}

/** Links the labelled images and copies their labels into the round's training folders (idempotent). */
async function stageTrainingData(input: TrainInput): Promise<{ images: string; labels: string }> {
  const root = layout.trainData(input.projectDir, input.round);
  const images = path.join(root, 'images');
  const labels = path.join(root, 'labels');
  await fs.rm(root, { recursive: true, force: true });
  await fs.mkdir(images, { recursive: true });
  await fs.mkdir(labels, { recursive: true });
  const set = await readLabelledSet(input.labelledPath);
  for (const item of set.images) {
    await fs.symlink(item.image, path.join(images, path.basename(item.image)));
    await fs.copyFile(item.labels, path.join(labels, `${item.name}.txt`));
  }
  return { images, labels };
}
