// promoteValidation: the validation batch people labelled (round 0, when the dataset had no validation set)
// becomes the loop's fixed validation split: its images leave the pool in the manifest, and the validation
// folders link the images and their imported labels. Idempotent: a retry rewrites the same manifest.
import { layout } from '../core/workspace-layout';
import { readLabelledSet } from './labelled-set';
import { readManifest, writeManifest } from './manifest';
import { linkImages, summarize } from './prepare';
import type { PreparedProject, PromoteValidationInput } from './types';

export async function promoteValidation(input: PromoteValidationInput): Promise<PreparedProject> {
  const { projectDir } = input.prepared;
  const [manifest, labelled] = await Promise.all([
    readManifest(layout.manifest(projectDir)),
    readLabelledSet(input.labelledPath),
  ]);
  const labels = new Map(labelled.images.map((i) => [i.name, i.labels]));
  for (const image of manifest.images) if (labels.has(image.name)) image.split = 'validation';
  const validation = manifest.images.filter((i) => i.split === 'validation');
  await linkImages(layout.validationImages(projectDir), validation, (i) => i.file);
  // People's labels, not the dataset's (the manifest keeps those, for the simulated annotator only).
  await linkImages(layout.validationLabels(projectDir), validation, (i) => labels.get(i.name) ?? i.labels!, '.txt');
  await linkImages(
    layout.poolImages(projectDir),
    manifest.images.filter((i) => i.split === 'pool'),
    (i) => i.file,
  );
  await writeManifest(layout.manifest(projectDir), manifest);
  return { ...summarize(projectDir, manifest), problems: input.prepared.problems };
}
