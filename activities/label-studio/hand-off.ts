// handOffToLabelStudio: a round's exported batch becomes tasks in the loop's Label Studio project, each
// with the last model's boxes as one prediction, in a queue that serves pomona's pick order first. Every
// step looks before it writes (project by title, storage by folder, tasks by image, predictions by model
// version), so a retry after any failure finishes the job without duplicating anything.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ErrorType } from '../../core/errors';
import { modelVersion, prediction } from '../../core/formats/label-studio';
import { parseKitti, type Box } from '../../core/formats/kitti';
import { layout } from '../../core/workspace-layout';
import { readManifest } from '../manifest';
import { readSelection } from '../selection-file';
import type { LabelStudioBatch, LabelStudioHandOffInput } from '../types';
import type { LabelStudioClient, PomonaTaskData } from './label-studio-client';
import { clientFor, ensureProject, projectPage, roundTasks, withLabelStudioFailures } from './label-studio-project';

/** The receiver's base URL and shared secret, from the worker's environment (`pomona label-studio webhooks`). */
export const WEBHOOK_URL_ENV = 'POMONA_LABEL_STUDIO_WEBHOOK_URL';
export const WEBHOOK_SECRET_ENV = 'POMONA_LABEL_STUDIO_WEBHOOK_SECRET';
/** The header Label Studio sends the secret in (it signs nothing itself). */
export const WEBHOOK_SECRET_HEADER = 'X-Pomona-Webhook-Secret';
export const WEBHOOK_ACTIONS = ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED'];

export async function handOffToLabelStudio(input: LabelStudioHandOffInput): Promise<LabelStudioBatch> {
  const client = clientFor(input.labelStudio);
  const workflowId = Context.current().info.workflowExecution?.workflowId ?? 'pomona';
  return withLabelStudioFailures(async () => {
    const [selection, manifest] = await Promise.all([
      readSelection(input.selectionPath),
      readManifest(layout.manifest(input.projectDir)),
    ]);
    const byName = new Map(manifest.images.map((i) => [i.name, i]));
    const imagesDir = path.join(input.exportDir, 'images');
    const relative = path.relative(input.labelStudio.filesRoot, imagesDir);
    if (relative.startsWith('..') || path.isAbsolute(relative))
      throw ApplicationFailure.create({
        type: ErrorType.LabelStudioRefused,
        message: `the batch folder ${imagesDir} is not under annotation.labelStudio.filesRoot ${input.labelStudio.filesRoot}, so Label Studio cannot show its images`,
        nonRetryable: true,
      });

    const project = await ensureProject(client, input.labelStudio, input.classes, `pomona loop ${workflowId}`);
    const storages = await client.localStorages(project.id);
    if (!storages.some((s) => path.resolve(s.path) === imagesDir))
      await client.addLocalStorage(project.id, imagesDir, `pomona round ${input.round}`);

    // Tasks: one per batch image, in pick order; only the missing ones are imported.
    let tasks = await roundTasks(client, project.id, input.round);
    const have = new Set(tasks.map((t) => t.data.pomona_image));
    const missing: { data: PomonaTaskData }[] = [];
    for (const name of selection.images) {
      if (have.has(name)) continue;
      const image = byName.get(name);
      if (!image) throw new Error(`${input.selectionPath}: ${name} is not in the manifest`);
      const file = path.join(relative, `${name}${path.extname(image.file)}`);
      const d = file.split(path.sep).map(encodeURIComponent).join('/');
      missing.push({ data: { image: `/data/local-files/?d=${d}`, pomona_image: name, pomona_round: input.round } });
    }
    if (missing.length) {
      await client.importTasks(project.id, missing);
      tasks = await roundTasks(client, project.id, input.round);
    }

    // One prediction per task with this round's model version: the pre-labels (maybe none) and the rank.
    const version = modelVersion(input.round);
    const rank = new Map(selection.images.map((name, i) => [name, i]));
    for (const task of tasks) {
      if (task.predictions?.some((p) => p.model_version === version)) continue;
      const name = task.data.pomona_image;
      const image = byName.get(name);
      if (!image || !rank.has(name)) continue;
      const boxes = await prelabels(input.exportDir, name);
      await client.addPrediction(
        task.id,
        prediction(boxes, image, input.round, rank.get(name)!, selection.images.length),
      );
    }
    // The uncertainty queue orders by prediction score only when the project's model version is theirs.
    if (project.sampling !== 'Uncertainty sampling' || project.model_version !== version)
      await client.updateProject(project.id, { sampling: 'Uncertainty sampling', model_version: version });

    const webhook = await ensureWebhook(client, project.id, workflowId);
    return {
      projectId: project.id,
      projectUrl: projectPage(input.labelStudio, project.id),
      tasks: tasks.length,
      webhook,
    };
  });
}

/** The boxes exportBatch kept as pre-labels (score >= its threshold); none in round 1. */
async function prelabels(exportDir: string, name: string): Promise<Box[]> {
  const text = await fs.readFile(path.join(exportDir, 'prelabels', `${name}.txt`), 'utf8').catch(() => null);
  return text === null ? [] : parseKitti(text, name).boxes;
}

/** A webhook to pomona's receiver for this loop, when the worker's environment names one. */
async function ensureWebhook(client: LabelStudioClient, project: number, workflowId: string): Promise<boolean> {
  const base = process.env[WEBHOOK_URL_ENV];
  if (!base) return false;
  const url = `${base.replace(/\/+$/, '')}/${encodeURIComponent(workflowId)}`;
  const existing = await client.webhooks(project);
  if (!existing.some((w) => w.url === url)) {
    const secret = process.env[WEBHOOK_SECRET_ENV];
    await client.addWebhook(project, url, WEBHOOK_ACTIONS, secret ? { [WEBHOOK_SECRET_HEADER]: secret } : {});
  }
  return true;
}
