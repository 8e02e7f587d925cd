// The simulated annotator's Label Studio hand: answers a pending batch's tasks through Label Studio's API
// with the dataset's ground truth (boxes in percent, or the "no objects" choice), as a person would in the
// browser. The loop learns of it by webhook or at its next poll. The token comes from LABEL_STUDIO_API_KEY.
import * as fs from 'node:fs/promises';
import { LabelStudioClient } from '../../activities/label-studio/label-studio-client';
import { readManifest } from '../../activities/manifest';
import { parseKitti } from '../../core/formats/kitti';
import { annotationResult } from '../../core/formats/label-studio';
import type { LoopStatus } from '../../workflows/messages';

/** Annotates every task of the pending batch that has no annotation yet; returns how many it annotated. */
export async function annotateTasksFromGroundTruth(status: LoopStatus): Promise<number> {
  const batch = status.pendingBatch;
  const ls = batch?.labelStudio;
  if (!batch || !ls || ls.projectId === null || !status.manifestPath)
    throw new Error(`${status.project}: no batch in Label Studio yet`);
  const client = LabelStudioClient.fromEnvironment(ls.url);
  const manifest = await readManifest(status.manifestPath);
  const byName = new Map(manifest.images.map((image) => [image.name, image]));
  const tasks = (await client.tasks(ls.projectId)).filter((t) => t.data?.pomona_round === batch.round);
  let annotated = 0;
  for (const task of tasks) {
    if (task.annotations?.length) continue;
    const image = byName.get(task.data.pomona_image);
    if (!image?.labels)
      throw new Error(
        `${status.project}: no ground truth for ${task.data.pomona_image}; the simulated annotator needs a labelled dataset`,
      );
    const { boxes } = parseKitti(await fs.readFile(image.labels, 'utf8'), image.labels, 'label');
    await client.addAnnotation(task.id, annotationResult(boxes, image));
    annotated++;
  }
  return annotated;
}
