// One benchmark run of the reference detector: link a labelled set, train a fixed number of optimiser steps,
// infer on a validation folder and score it with pomona's own metrics (core/metrics). Shared by the
// trainer benchmarks (trainer-ap.ts, two-classes.ts).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trainerPython } from '../activities/trainer-process';
import type { ManifestEntry } from '../core/dataset/ingest';
import { repositoryRoot } from '../core/io/repository-root';
import { evaluateFolders } from '../core/metrics/map';

export interface RunSettings {
  backbone: string;
  steps: number;
  seed: string;
  device: string;
  flips?: string;
  tta?: boolean;
  /** `infer --scales` (multi-scale test, weighted box fusion); one pass at the working scale when absent. */
  scales?: string;
  /** `infer --threshold`; the trainer default when absent. */
  threshold?: string;
  /** `train --classes` (their order is the heatmaps'); the labels' classes when absent. */
  classes?: string[];
  /** `train --input-size`; the trainer default when absent. */
  inputSize?: string;
}

export interface RunScores {
  ap50: number;
  ap50ByClass: Record<string, number>;
  cocoAp: number;
  trainSeconds: number;
  crops: number;
  inferImagesPerSecond: number;
}

export function trainer(args: string[]): Record<string, unknown>[] {
  const run = spawnSync(trainerPython(), ['-m', 'pomona_trainer', ...args], {
    cwd: repositoryRoot(),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0)
    throw new Error(`trainer ${args[0]} failed (${run.status}): ${run.stderr.trim().split('\n').pop()}`);
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `dir/images` and `dir/labels` as links to the items' files. */
export function linkSet(dir: string, items: ManifestEntry[]): { images: string; labels: string } {
  const images = path.join(dir, 'images');
  const labels = path.join(dir, 'labels');
  fs.mkdirSync(images, { recursive: true });
  fs.mkdirSync(labels, { recursive: true });
  for (const item of items) {
    fs.symlinkSync(item.file, path.join(images, path.basename(item.file)));
    fs.symlinkSync(item.labels!, path.join(labels, `${item.name}.txt`));
  }
  return { images, labels };
}

/** Trains on `train` for exactly `settings.steps` steps, infers on `val` and scores it. */
export async function trainAndScore(
  dir: string,
  train: ManifestEntry[],
  val: { images: string; labels: string; count: number },
  settings: RunSettings,
): Promise<RunScores> {
  const trainSet = linkSet(path.join(dir, 'train'), train);
  // --epochs 1 --min-steps N: exactly the epochs that N steps need, whatever the labelled set's size
  const events = trainer([
    'train',
    ...['--images', trainSet.images, '--labels', trainSet.labels, '--out', path.join(dir, 'out')],
    ...['--backbone', settings.backbone, '--epochs', '1', '--min-steps', String(settings.steps)],
    ...['--seed', settings.seed, '--device', settings.device, '--checkpoint-interval', '1000'],
    ...['--flips', settings.flips ?? 'horizontal'],
    ...(settings.classes ? ['--classes', settings.classes.join(',')] : []),
    ...(settings.inputSize ? ['--input-size', settings.inputSize] : []),
  ]);
  const done = events.find((e) => e.event === 'done')!;
  const inferDone = trainer([
    'infer',
    ...['--model', String(done.checkpoint), '--images', val.images, '--out', path.join(dir, 'pred')],
    ...['--device', settings.device],
    ...(settings.tta ? ['--tta'] : []),
    ...(settings.scales ? ['--scales', settings.scales] : []),
    ...(settings.threshold ? ['--threshold', settings.threshold] : []),
  ]).find((e) => e.event === 'done')!;
  const metrics = await evaluateFolders(val.labels, path.join(dir, 'pred'));
  return {
    ap50: metrics.map50,
    ap50ByClass: metrics.ap50_by_class,
    cocoAp: metrics.coco_ap,
    trainSeconds: Number(done.seconds),
    crops: Number(done.crops),
    inferImagesPerSecond: val.count / Number(inferDone.seconds),
  };
}
