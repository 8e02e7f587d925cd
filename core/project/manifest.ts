// The project manifest (<project>/manifest.json): every ingested image, its size, its ground-truth labels
// when the dataset has them, and its split. Written by prepareProject (and once more by promoteValidation,
// when people label a validation batch first); read by the other activities
// and by the simulated annotator. Loose objects: fields a newer pomona adds survive a read and a rewrite.
import { z } from 'zod';
import { datasetLayout } from '../dataset/ingest';

export const manifestImage = z.looseObject({
  name: z.string(),
  file: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Ground-truth KITTI labels (converted from masks for MinneApple); only evaluation and the simulator read them. */
  labels: z.string().optional(),
  split: z.enum(['pool', 'validation']),
});

export const projectManifest = z.looseObject({
  /** Run id of the loop run that prepared the project (its first run). */
  owner: z.string(),
  layout: datasetLayout,
  datasetRoot: z.string(),
  images: z.array(manifestImage),
  problems: z.array(z.string()),
});

export type ManifestImage = z.infer<typeof manifestImage>;
export type ProjectManifest = z.infer<typeof projectManifest>;
