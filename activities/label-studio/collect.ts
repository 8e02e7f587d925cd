// collectLabelStudioAnnotations: reads a round's tasks back from Label Studio. While some are still to do
// it only counts them; once every task is annotated or skipped (or the operator takes what is there), it
// turns the annotations into KITTI files (percent to pixels, checked as folder submissions are) and
// imports them with importAnnotations, so both tools share one validation and one labelled-set record.
// Problems name the task; nothing is imported until every annotation passes.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatKittiLabel } from '../../core/formats/kitti';
import { readAnnotation } from '../../core/formats/label-studio';
import { layout, roundDir } from '../../core/workspace-layout';
import { importAnnotations } from '../annotation';
import { readLabelledSet } from '../labelled-set';
import { readManifest } from '../manifest';
import type { CollectedAnnotations, CollectLabelStudioInput, ImportResult, LabelStudioProgress } from '../types';
import type { LabelStudioAnnotation, LabelStudioTask } from './label-studio-client';
import { clientFor, roundTasks, withLabelStudioFailures } from './label-studio-project';

const MAX_PROBLEMS_REPORTED = 50;

/** The annotation that counts for a task: its newest; a skip (`was_cancelled`) only when nothing else is there. */
export function decidingAnnotation(task: LabelStudioTask): LabelStudioAnnotation | null {
  const newest = (list: LabelStudioAnnotation[]) =>
    list.reduce<LabelStudioAnnotation | null>((a, b) => (!a || b.id > a.id ? b : a), null);
  const done = (task.annotations ?? []).filter((a) => !a.was_cancelled);
  return newest(done) ?? newest(task.annotations ?? []);
}

export async function collectLabelStudioAnnotations(input: CollectLabelStudioInput): Promise<CollectedAnnotations> {
  const client = clientFor(input.labelStudio);
  return withLabelStudioFailures(async () => {
    const tasks = await roundTasks(client, input.projectId, input.round);
    const progress: LabelStudioProgress = { total: tasks.length, annotated: 0, skipped: 0, pending: 0 };
    const annotated: { task: LabelStudioTask; annotation: LabelStudioAnnotation }[] = [];
    for (const task of tasks) {
      const annotation = decidingAnnotation(task);
      if (!annotation) progress.pending++;
      else if (annotation.was_cancelled) progress.skipped++;
      else {
        progress.annotated++;
        annotated.push({ task, annotation });
      }
    }
    if (progress.pending > 0 && !input.takeAnnotated) return { progress, imported: null };
    return { progress, imported: await importTasks(input, annotated) };
  });
}

async function importTasks(
  input: CollectLabelStudioInput,
  annotated: { task: LabelStudioTask; annotation: LabelStudioAnnotation }[],
): Promise<ImportResult> {
  const manifest = await readManifest(layout.manifest(input.projectDir));
  const byName = new Map(manifest.images.map((i) => [i.name, i]));
  const problems: string[] = [];
  const labels = new Map<string, string>();
  for (const { task, annotation } of annotated) {
    const name = task.data.pomona_image;
    const image = byName.get(name);
    if (!image) {
      problems.push(`task ${task.id} (${name}): not an image of this loop's pool`);
      continue;
    }
    const read = readAnnotation(annotation.result ?? [], image, input.classes);
    for (const p of read.problems) problems.push(`task ${task.id} (${name}), annotation ${annotation.id}: ${p}`);
    labels.set(name, read.boxes.map((b) => formatKittiLabel(b)).join('\n') + (read.boxes.length ? '\n' : ''));
  }
  if (problems.length)
    return {
      ok: false,
      problems: problems.slice(0, MAX_PROBLEMS_REPORTED),
      problemCount: problems.length,
      labelledCount: (await readLabelledSet(input.labelledPath)).images.length,
      boxes: 0,
    };

  // The round's annotations as a folder submission (rewritten whole each time: the latest answers count).
  const labelsDir = path.join(roundDir(input.projectDir, input.round), 'label-studio-labels');
  const tmp = `${labelsDir}.partial`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  for (const [name, text] of labels) await fs.writeFile(path.join(tmp, `${name}.txt`), text);
  await fs.rm(labelsDir, { recursive: true, force: true });
  await fs.rename(tmp, labelsDir);
  return importAnnotations({
    projectDir: input.projectDir,
    round: input.round,
    selectionPath: input.selectionPath,
    labelsDir,
    labelledPath: input.labelledPath,
    classes: input.classes,
    images: [...labels.keys()],
  });
}
