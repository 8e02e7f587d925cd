// prepareProject: ingest the dataset once, fix the validation split, and lay out the project folder
// (manifest, links to pool and validation images). Idempotent: a retry finds the manifest and returns it.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { symlinkSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { LoopConfig } from '../core/config/loop-config';
import { ingestDataset } from '../core/dataset/ingest';
import { formatProblem } from '../core/formats/problem';
import { seededShuffle } from '../core/selection/random';
import { layout, projectDir as projectDirOf } from '../core/workspace-layout';
import { readManifest, writeManifest, type ManifestImage, type ProjectManifest } from './manifest';
import type { PreparedProject } from './types';
import { ErrorType } from '../core/errors';
import { DATA_ROOTS_ENV, requireUnderRoots, WORKSPACE_ROOTS_ENV } from './allowed-roots';
import { turnEvery } from '../core/io/event-loop-turn';

const MAX_PROBLEMS_IN_RESULT = 20;

export async function prepareProject(config: LoopConfig): Promise<PreparedProject> {
  // Before anything is read or written: every path of the config within the worker's allowed roots.
  await requireUnderRoots(config.workspace, 'workspace', WORKSPACE_ROOTS_ENV);
  await requireUnderRoots(config.dataset.path, 'dataset.path', DATA_ROOTS_ENV);
  if (config.dataset.validation.path)
    await requireUnderRoots(config.dataset.validation.path, 'dataset.validation.path', DATA_ROOTS_ENV);
  const projectDir = projectDirOf(config.workspace, config.project);
  const manifestPath = layout.manifest(projectDir);
  // The loop that prepares a project owns its folder: artifacts are keyed by round, so a second loop on
  // the same folder would silently reuse the first one's selections, labels and weights.
  const owner = Context.current().info.workflowExecution?.runId ?? 'standalone';
  const existing = await readManifest(manifestPath).catch(() => null);
  if (existing) {
    if (existing.owner !== owner) {
      throw ApplicationFailure.create({
        type: ErrorType.InvalidConfig,
        nonRetryable: true,
        message: `project ${config.project} in ${config.workspace} belongs to an earlier loop (run ${existing.owner}): use another project name or workspace`,
      });
    }
    return summarize(projectDir, existing);
  }
  await requireFolder(config.dataset.path, 'dataset.path');
  if (config.dataset.validation.path) await requireFolder(config.dataset.validation.path, 'dataset.validation.path');

  // Dataset classes are checked against the classes labels may use, as imported labels are.
  const classes = { classes: config.annotation.classes };
  const pool = await ingestDataset(config.dataset.path, layout.groundTruthLabels(projectDir), classes);
  const images: ManifestImage[] = pool.images.map((image) => ({ ...image, split: 'pool' }));
  if (images.length === 0) {
    throw ApplicationFailure.create({
      type: ErrorType.InvalidInput,
      nonRetryable: true,
      message: `dataset.path ${config.dataset.path}: no usable images (${pool.problems.length} problem(s): ${pool.problems.slice(0, 3).map(formatProblem).join('; ')})`,
    });
  }
  const problems = pool.problems.map(formatProblem);

  if (config.dataset.validation.path) {
    const validation = await ingestDataset(
      config.dataset.validation.path,
      `${layout.groundTruthLabels(projectDir)}-validation`,
      classes,
    );
    problems.push(...validation.problems.map(formatProblem));
    const poolNames = new Set(images.map((i) => i.name));
    for (const image of validation.images) {
      if (!image.labels) continue;
      images.push({
        ...image,
        name: poolNames.has(image.name) ? `val-${image.name}` : image.name,
        split: 'validation',
      });
    }
  } else if (pool.layout !== 'images' && config.dataset.validation.fraction) {
    // A fixed, seeded split: the same config always holds out the same images.
    const labelled = images.filter((image) => image.labels);
    const count = Math.round(labelled.length * config.dataset.validation.fraction);
    for (const image of seededShuffle(labelled, config.selection.seed).slice(0, count)) image.split = 'validation';
  }

  await linkImages(
    layout.poolImages(projectDir),
    images.filter((i) => i.split === 'pool'),
    (i) => i.file,
  );
  const validation = images.filter((i) => i.split === 'validation');
  await linkImages(layout.validationImages(projectDir), validation, (i) => i.file);
  await linkImages(layout.validationLabels(projectDir), validation, (i) => i.labels!, '.txt');

  if (
    validation.length === 0 &&
    config.dataset.validation.annotate === undefined &&
    config.stop.targetMap50 !== undefined
  )
    throw ApplicationFailure.create({
      type: ErrorType.InvalidConfig,
      nonRetryable: true,
      message: `stop.targetMap50 needs a validation set, and ${config.dataset.path} gives none (${pool.layout === 'images' ? 'its images have no labels' : 'no dataset.validation.fraction or path'}): set dataset.validation.path to a labelled folder, or dataset.validation.annotate to have people label that many images first`,
    });
  const manifest: ProjectManifest = { owner, layout: pool.layout, datasetRoot: config.dataset.path, images, problems };
  await writeManifest(manifestPath, manifest);
  return summarize(projectDir, manifest);
}

export function summarize(projectDir: string, manifest: ProjectManifest): PreparedProject {
  const validationCount = manifest.images.filter((i) => i.split === 'validation').length;
  return {
    projectDir,
    manifestPath: layout.manifest(projectDir),
    layout: manifest.layout,
    poolImagesDir: layout.poolImages(projectDir),
    poolCount: manifest.images.length - validationCount,
    validationImagesDir: validationCount ? layout.validationImages(projectDir) : undefined,
    validationLabelsDir: validationCount ? layout.validationLabels(projectDir) : undefined,
    validationCount,
    problems: manifest.problems.slice(0, MAX_PROBLEMS_IN_RESULT),
  };
}

async function requireFolder(dir: string, field: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) {
    throw ApplicationFailure.create({
      type: ErrorType.DatasetNotFound,
      nonRetryable: true,
      message: `${field}: ${dir} is not a folder`,
    });
  }
}

/** Recreates `dir` as a folder of links named `<name><ext>` (the image's own extension by default). */
export async function linkImages(
  dir: string,
  images: ManifestImage[],
  target: (i: ManifestImage) => string,
  ext?: string,
): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < images.length; i++) {
    // Synchronous links, a batch between turns of the event loop: a million through the thread pool one
    // after the other took minutes of the ingest (docs/scale.md).
    await turnEvery(i);
    const image = images[i];
    symlinkSync(target(image), path.join(dir, `${image.name}${ext ?? path.extname(image.file)}`));
  }
}
